using TorchSharp.Modules;
using TuneSharp.Models;
using TuneSharp.Tasks.TokenClassification;
using static TorchSharp.torch;

namespace TuneSharp.Peft.PromptTuning;

/// <summary>
/// A token classifier with prompt tuning's virtual tokens in front of every input (PEFT's PeftModelForTokenClassification):
/// the logits of the virtual positions are dropped, so the output has one row per input token, as the labels do.
/// </summary>
public sealed class PromptTunedTokenClassifier : ITokenClassifier
{
    private readonly ITokenClassifier _inner;
    private readonly Embedding _prompt;

    internal PromptTunedTokenClassifier(ITokenClassifier inner, Embedding prompt)
    {
        _inner = inner;
        _prompt = prompt;
    }

    /// <summary>The token classifier under the prompt.</summary>
    public ITokenClassifier Inner => _inner;

    /// <inheritdoc/>
    public PretrainedConfig Config => _inner.Config;

    /// <inheritdoc/>
    public nn.Module Module => _inner.Module;

    /// <inheritdoc/>
    public ModelTask Task => _inner.Task;

    /// <inheritdoc/>
    public int NumLabels => _inner.NumLabels;

    /// <inheritdoc/>
    public Embedding InputEmbeddings => _inner.InputEmbeddings;

    /// <inheritdoc/>
    public bool GradientCheckpointing { get => _inner.GradientCheckpointing; set => _inner.GradientCheckpointing = value; }

    /// <summary>Logits [B, T, NumLabels] of the input tokens, computed with the virtual tokens in front.</summary>
    /// <exception cref="PeftException">Input plus virtual tokens exceed the model's positions.</exception>
    public Tensor Forward(Tensor inputIds, Tensor attentionMask, Tensor? tokenTypeIds)
    {
        using var scope = NewDisposeScope();
        return ForwardEmbeddings(_inner.InputEmbeddings.call(inputIds), attentionMask, tokenTypeIds).MoveToOuterDisposeScope();
    }

    /// <inheritdoc cref="Forward"/>
    public Tensor ForwardEmbeddings(Tensor inputsEmbeds, Tensor attentionMask, Tensor? tokenTypeIds)
    {
        using var scope = NewDisposeScope();
        var (embeds, mask, types) = VirtualTokens.Prepend(_prompt, _inner.Config, inputsEmbeds, attentionMask, tokenTypeIds);
        var logits = _inner.ForwardEmbeddings(embeds, mask, types);
        return logits.narrow(1, _prompt.weight!.shape[0], inputsEmbeds.shape[1]).MoveToOuterDisposeScope();
    }

    /// <summary>Not possible: a plain transformers folder has no place for the prompt; save the adapter instead.</summary>
    /// <exception cref="PeftException">Always.</exception>
    public void SavePretrained(string dir) =>
        throw new PeftException("A prompt-tuned token classifier cannot be saved as a plain transformers model (it has no place for the virtual tokens); save the adapter folder instead (PromptTuningModel.SaveAdapter).");
}
