using TorchSharp;
using TorchSharp.Modules;
using TuneSharp.Architectures;
using TuneSharp.Models;
using static TorchSharp.torch;

namespace TuneSharp.Tasks.CausalLm;

/// <summary>
/// Any registered decoder with a language-model head, as transformers' <c>*ForCausalLM</c>: the backbone under the
/// registration's prefix (<c>model.*</c> for Llama, <c>transformer.*</c> for GPT-2, <c>gpt_neox.*</c> for GPT-NeoX) and a
/// bias-free projection to the vocabulary under the head's name (<c>lm_head</c>, GPT-NeoX's <c>embed_out</c>), so the state
/// dict is the transformers checkpoint's.
/// </summary>
/// <remarks>
/// Tied embeddings (the architecture's <see cref="ModelArchitecture.TiesWordEmbeddings"/>, e.g. GPT-2 and stories260K):
/// there is no head module; the logits use the input embedding matrix itself, so the two can never drift apart in
/// training, the optimizer sees the tensor once, and <c>state_dict()</c> has no <c>lm_head.weight</c>, which is how
/// transformers saves a tied model. A checkpoint that also stores the copy still loads (the copy is ignored).
/// </remarks>
public sealed class CausalLanguageModel : nn.Module, ICausalLM, ITaskModel
{
    private readonly IDecoderBackbone _backbone;
    private readonly Linear? _head; // null when tied to the input embeddings

    /// <summary>
    /// Builds a randomly initialised model for <paramref name="config"/> (load weights with
    /// <see cref="AutoModelForCausalLM.FromPretrained"/>); an untied head ~ Normal(0, initializer_range), as transformers.
    /// </summary>
    /// <exception cref="TuneSharpException">The architecture has no causal-LM head.</exception>
    public CausalLanguageModel(PretrainedConfig config) : base(ModelArchitectures.For(config).ClassName(ModelTask.CausalLm))
    {
        Config = config;
        Architecture = ModelArchitectures.For(config);
        Head = Architecture.Head(ModelTask.CausalLm);
        _backbone = Architecture.CreateBackbone(config, false) as IDecoderBackbone
            ?? throw new TuneSharpException($"model_type \"{config.ModelType}\" registers a causal-LM head but its backbone is not a decoder.");
        TiedHead = Architecture.TiesWordEmbeddings(config);
        register_module(Architecture.BaseModelPrefix, _backbone.Module);
        if (!TiedHead)
        {
            _head = nn.Linear(config.HiddenSize, config.VocabSize, hasBias: Head.Bias);
            HeadInitialization.InitLinear(_head, config.InitializerRange);
            register_module(Head.Module, _head);
        }
    }

    /// <inheritdoc/>
    public PretrainedConfig Config { get; }

    /// <summary>The registration this model was built from.</summary>
    public ModelArchitecture Architecture { get; }

    /// <summary>The head's registration (its module name).</summary>
    public TaskHead Head { get; }

    /// <summary>Whether the head is the input embedding matrix (no head module of its own).</summary>
    public bool TiedHead { get; }

    /// <summary>The decoder without the head.</summary>
    public IDecoderBackbone Backbone => _backbone;

    /// <summary>The output projection [vocab, hidden]: the head's weight, or the embedding matrix when tied.</summary>
    public Parameter HeadWeight => _head?.weight ?? _backbone.WordEmbeddings.weight!;

    /// <inheritdoc/>
    public nn.Module Module => this;

    /// <inheritdoc/>
    public ModelTask Task => ModelTask.CausalLm;

    /// <inheritdoc/>
    public int VocabSize => Config.VocabSize;

    /// <inheritdoc/>
    public Embedding InputEmbeddings => _backbone.WordEmbeddings;

    /// <inheritdoc/>
    public bool GradientCheckpointing { get => _backbone.GradientCheckpointing; set => _backbone.GradientCheckpointing = value; }

    /// <inheritdoc/>
    public KvCache CreateCache() => new(_backbone.NumLayers);

    /// <inheritdoc/>
    public Tensor Forward(Tensor inputIds, Tensor? attentionMask = null, Tensor? positionIds = null, KvCache? cache = null) =>
        Logits(_backbone.Decode(inputIds, null, attentionMask, positionIds, cache));

    /// <summary>Logits [B, T, V] for token embeddings [B, T, hidden] instead of ids (prompt tuning's virtual tokens); else as <see cref="Forward"/>.</summary>
    public Tensor ForwardEmbeddings(Tensor inputsEmbeds, Tensor? attentionMask = null, Tensor? positionIds = null, KvCache? cache = null) =>
        Logits(_backbone.Decode(null, inputsEmbeds, attentionMask, positionIds, cache));

    /// <summary>Hidden states [.., hidden] → logits [.., V] (for a caller that computes the loss in chunks).</summary>
    public Tensor Project(Tensor hidden) => _head is null ? nn.functional.linear(hidden, HeadWeight) : _head.call(hidden);

    private Tensor Logits(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        using (hidden) return Project(hidden).MoveToOuterDisposeScope();
    }

    /// <summary>config.json (architectures [<c>*ForCausalLM</c>], torch_dtype) and model.safetensors (no head weight when tied).</summary>
    public void SavePretrained(string dir) => PretrainedFiles.Save(this, Config, Architecture.ClassName(ModelTask.CausalLm), dir);
}
