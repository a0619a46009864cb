using TorchSharp.Modules;
using TuneSharp.Models;
using TuneSharp.Tasks.QuestionAnswering;
using static TorchSharp.torch;

namespace TuneSharp.Peft.PromptTuning;

/// <summary>
/// A question-answering model with prompt tuning's virtual tokens in front of every input: the start and end logits of
/// the virtual positions are dropped, so positions keep indexing the input tokens (the answer's start and end positions,
/// the context offsets). PEFT 0.10's PeftModelForQuestionAnswering returns the logits of the virtual positions too,
/// without shifting the positions it is given, so its labels point a few tokens early; this model does not copy that.
/// </summary>
public sealed class PromptTunedQuestionAnsweringModel : IQuestionAnsweringModel
{
    private readonly IQuestionAnsweringModel _inner;
    private readonly Embedding _prompt;

    internal PromptTunedQuestionAnsweringModel(IQuestionAnsweringModel inner, Embedding prompt)
    {
        _inner = inner;
        _prompt = prompt;
    }

    /// <summary>The QA model under the prompt.</summary>
    public IQuestionAnsweringModel Inner => _inner;

    /// <inheritdoc/>
    public PretrainedConfig Config => _inner.Config;

    /// <inheritdoc/>
    public nn.Module Module => _inner.Module;

    /// <inheritdoc/>
    public ModelTask Task => _inner.Task;

    /// <inheritdoc/>
    public Embedding InputEmbeddings => _inner.InputEmbeddings;

    /// <inheritdoc/>
    public bool GradientCheckpointing { get => _inner.GradientCheckpointing; set => _inner.GradientCheckpointing = value; }

    /// <summary>Start and end logits [B, T] of the input tokens, computed with the virtual tokens in front.</summary>
    /// <exception cref="PeftException">Input plus virtual tokens exceed the model's positions.</exception>
    public (Tensor StartLogits, Tensor EndLogits) Forward(Tensor inputIds, Tensor attentionMask, Tensor? tokenTypeIds)
    {
        using var scope = NewDisposeScope();
        var (start, end) = ForwardEmbeddings(_inner.InputEmbeddings.call(inputIds), attentionMask, tokenTypeIds);
        return (start.MoveToOuterDisposeScope(), end.MoveToOuterDisposeScope());
    }

    /// <inheritdoc cref="Forward"/>
    public (Tensor StartLogits, Tensor EndLogits) ForwardEmbeddings(Tensor inputsEmbeds, Tensor attentionMask, Tensor? tokenTypeIds)
    {
        using var scope = NewDisposeScope();
        var (embeds, mask, types) = VirtualTokens.Prepend(_prompt, _inner.Config, inputsEmbeds, attentionMask, tokenTypeIds);
        var (start, end) = _inner.ForwardEmbeddings(embeds, mask, types);
        long virtualTokens = _prompt.weight!.shape[0], length = inputsEmbeds.shape[1];
        return (start.narrow(1, virtualTokens, length).contiguous().MoveToOuterDisposeScope(), end.narrow(1, virtualTokens, length).contiguous().MoveToOuterDisposeScope());
    }

    /// <summary>Not possible: a plain transformers folder has no place for the prompt; save the adapter instead.</summary>
    /// <exception cref="PeftException">Always.</exception>
    public void SavePretrained(string dir) =>
        throw new PeftException("A prompt-tuned question-answering model cannot be saved as a plain transformers model (it has no place for the virtual tokens); save the adapter folder instead (PromptTuningModel.SaveAdapter).");
}
