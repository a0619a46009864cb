using TuneSharp.Models;
using static TorchSharp.torch;

namespace TuneSharp.Tasks.SequenceClassification;

/// <summary>
/// An encoder or decoder with a classification/regression head on a pooled sequence representation, as
/// transformers' <c>AutoModelForSequenceClassification</c>. The trainer computes the loss itself
/// (<see cref="SequenceClassificationLoss"/>) so models stay pure functions of their inputs.
/// </summary>
public interface ISequenceClassifier : ITaskModel
{
    /// <summary>Number of outputs of the head (last dimension of the logits).</summary>
    int NumLabels { get; }

    /// <summary>Which loss fits the head's outputs.</summary>
    ProblemType ProblemType { get; }

    /// <summary>
    /// Logits [B, NumLabels] in float32 whatever the model dtype. <paramref name="inputIds"/> [B, T] int64;
    /// <paramref name="attentionMask"/> [B, T] 1 for real tokens and 0 for padding (either side);
    /// <paramref name="tokenTypeIds"/> [B, T] segment ids for models that have them (ignored otherwise).
    /// </summary>
    Tensor Forward(Tensor inputIds, Tensor attentionMask, Tensor? tokenTypeIds);

    /// <summary>
    /// <see cref="Forward"/> on word embeddings [B, T, hidden] (in the model dtype) instead of ids, as transformers'
    /// <c>inputs_embeds</c>: <c>ForwardEmbeddings(InputEmbeddings(ids), ...)</c> gives exactly <c>Forward(ids, ...)</c>.
    /// Prompt tuning uses it to put trained vectors that have no token id in front of the input.
    /// </summary>
    Tensor ForwardEmbeddings(Tensor inputsEmbeds, Tensor attentionMask, Tensor? tokenTypeIds);
}
