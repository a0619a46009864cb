using TorchSharp.Modules;
using TuneSharp.Models;
using TuneSharp.Tasks.SequenceClassification;
using static TorchSharp.torch;

namespace TuneSharp.Peft.PromptTuning;

/// <summary>
/// A classifier with trained virtual tokens in front of every input, as PEFT's
/// <c>PeftModelForSequenceClassification.forward</c> for prompt tuning: the ids are embedded with the (frozen) word
/// embeddings, the prompt is put before them (before [CLS] / &lt;s&gt; too), the attention mask is prefixed with ones
/// and the token type ids with zeros, and the inner classifier runs on the embeddings. Positions are then counted
/// over the whole sequence, prompt included, and a decoder's last-real-token pooling still finds the input's last token.
/// </summary>
/// <remarks>
/// <see cref="Module"/> is the inner classifier's module, which owns the prompt as its <c>prompt_encoder</c>
/// submodule: the trainer's optimizer, train()/eval() and device moves all see it without knowing about prompt tuning.
/// </remarks>
public sealed class PromptTunedClassifier : ISequenceClassifier
{
    private readonly ISequenceClassifier _inner;
    private readonly Embedding _prompt;

    internal PromptTunedClassifier(ISequenceClassifier inner, Embedding prompt)
    {
        _inner = inner;
        _prompt = prompt;
    }

    /// <summary>The classifier under the prompt (its module is <see cref="Module"/>).</summary>
    public ISequenceClassifier Inner => _inner;

    /// <summary>Number of virtual tokens put in front of each input.</summary>
    public int NumVirtualTokens => (int)_prompt.weight!.shape[0];

    /// <inheritdoc/>
    public PretrainedConfig Config => _inner.Config;

    /// <inheritdoc/>
    public nn.Module Module => _inner.Module;

    /// <inheritdoc/>
    public ModelTask Task => _inner.Task;

    /// <inheritdoc/>
    public int NumLabels => _inner.NumLabels;

    /// <inheritdoc/>
    public ProblemType ProblemType => _inner.ProblemType;

    /// <inheritdoc/>
    public Embedding InputEmbeddings => _inner.InputEmbeddings;

    /// <inheritdoc/>
    public bool GradientCheckpointing { get => _inner.GradientCheckpointing; set => _inner.GradientCheckpointing = value; }

    /// <summary>Logits [B, NumLabels] (float32) for the input with the virtual tokens in front; see <see cref="ISequenceClassifier.Forward"/>.</summary>
    /// <exception cref="PeftException">Input plus virtual tokens exceed the model's positions.</exception>
    public Tensor Forward(Tensor inputIds, Tensor attentionMask, Tensor? tokenTypeIds)
    {
        using var scope = NewDisposeScope();
        return ForwardEmbeddings(_inner.InputEmbeddings.call(inputIds), attentionMask, tokenTypeIds).MoveToOuterDisposeScope();
    }

    /// <summary>As <see cref="Forward"/> for inputs given as word embeddings [B, T, hidden]; the prompt goes in front of them.</summary>
    /// <exception cref="PeftException">Input plus virtual tokens exceed the model's positions.</exception>
    public Tensor ForwardEmbeddings(Tensor inputsEmbeds, Tensor attentionMask, Tensor? tokenTypeIds)
    {
        using var scope = NewDisposeScope();
        var (embeds, mask, types) = VirtualTokens.Prepend(_prompt, _inner.Config, inputsEmbeds, attentionMask, tokenTypeIds);
        return _inner.ForwardEmbeddings(embeds, mask, types).MoveToOuterDisposeScope();
    }

    /// <summary>Not possible: a plain transformers classifier folder has no place for the prompt.</summary>
    /// <exception cref="PeftException">Always; save the adapter with <see cref="PromptTuningModel.SaveAdapter"/> instead.</exception>
    public void SavePretrained(string dir) =>
        throw new PeftException("A prompt-tuned classifier cannot be saved as a plain transformers model (it has no place for the virtual tokens); save the adapter folder instead (PromptTuningModel.SaveAdapter).");
}
