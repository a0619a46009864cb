using TuneSharp.Models;
using static TorchSharp.torch;

namespace TuneSharp.Tasks.QuestionAnswering;

/// <summary>
/// A backbone with a span head, as transformers' <c>AutoModelForQuestionAnswering</c>: for every token a start and an
/// end logit of the answer span. The loss is the task's (see <see cref="QuestionAnsweringLoss"/>), so models stay pure
/// functions of their inputs.
/// </summary>
public interface IQuestionAnsweringModel : ITaskModel
{
    /// <summary>
    /// Start and end logits [B, T] in float32 whatever the model dtype. <paramref name="inputIds"/> [B, T] int64;
    /// <paramref name="attentionMask"/> [B, T] 1 for real tokens; <paramref name="tokenTypeIds"/> segment ids for models
    /// that have them (ignored otherwise). Logits at padded positions are meaningless.
    /// </summary>
    (Tensor StartLogits, Tensor EndLogits) Forward(Tensor inputIds, Tensor attentionMask, Tensor? tokenTypeIds);

    /// <summary><see cref="Forward"/> on word embeddings [B, T, hidden] (transformers' <c>inputs_embeds</c>), for prompt tuning.</summary>
    (Tensor StartLogits, Tensor EndLogits) ForwardEmbeddings(Tensor inputsEmbeds, Tensor attentionMask, Tensor? tokenTypeIds);
}
