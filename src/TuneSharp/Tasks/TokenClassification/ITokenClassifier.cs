using TuneSharp.Models;
using static TorchSharp.torch;

namespace TuneSharp.Tasks.TokenClassification;

/// <summary>
/// A backbone with a label for every token (named entities, part of speech), as transformers'
/// <c>AutoModelForTokenClassification</c>. The loss is computed by the task (cross entropy over labelled positions), so
/// models stay pure functions of their inputs.
/// </summary>
public interface ITokenClassifier : ITaskModel
{
    /// <summary>Number of labels (last dimension of the logits).</summary>
    int NumLabels { get; }

    /// <summary>
    /// Logits [B, T, NumLabels] in float32 whatever the model dtype. <paramref name="inputIds"/> [B, T] int64;
    /// <paramref name="attentionMask"/> [B, T] 1 for real tokens, 0 for padding; <paramref name="tokenTypeIds"/> segment
    /// ids for models that have them (ignored otherwise). Logits at padded positions are meaningless.
    /// </summary>
    Tensor Forward(Tensor inputIds, Tensor attentionMask, Tensor? tokenTypeIds);

    /// <summary>
    /// <see cref="Forward"/> on word embeddings [B, T, hidden] instead of ids (transformers' <c>inputs_embeds</c>); prompt
    /// tuning puts its virtual tokens in front this way.
    /// </summary>
    Tensor ForwardEmbeddings(Tensor inputsEmbeds, Tensor attentionMask, Tensor? tokenTypeIds);
}
