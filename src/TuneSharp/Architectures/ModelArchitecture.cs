using System.Text.RegularExpressions;
using TuneSharp.Models;

namespace TuneSharp.Architectures;

/// <summary>
/// Everything TuneSharp knows about one architecture (one config.json <c>model_type</c>), in one place: its config
/// type, its backbone, how transformers names its weights, where its layers and projections are (for PEFT and the
/// planner) and the head it has for each task. Each architecture's folder holds its modules and one of these
/// (<c>BertArchitecture.Registration</c>, ...); <see cref="ModelArchitectures"/> lists them. Adding an architecture is
/// its folder plus one line there.
/// </summary>
public sealed record ModelArchitecture
{
    /// <summary>config.json's <c>model_type</c>, e.g. "bert".</summary>
    public required string ModelType { get; init; }

    /// <summary>The prefix of transformers' class names, e.g. "Bert" (BertForTokenClassification).</summary>
    public required string ClassPrefix { get; init; }

    /// <summary>A config with transformers' defaults, which <see cref="PretrainedConfig.Load"/> then fills from the file.</summary>
    public required Func<PretrainedConfig> CreateConfig { get; init; }

    /// <summary>A randomly initialised backbone for a config; the flag asks for the pooler where the architecture has one.</summary>
    public required Func<PretrainedConfig, bool, IBackbone> CreateBackbone { get; init; }

    /// <summary>
    /// transformers' attribute name of the backbone inside task models ("bert", "model"): task checkpoints name their
    /// backbone weights under it and base checkpoints do not, and a task model loads either.
    /// </summary>
    public required string BaseModelPrefix { get; init; }

    /// <summary>Checkpoint keys (regular expressions) every task model drops on load: buffers older files persisted that are computed instead.</summary>
    public IReadOnlyList<string> IgnoreOnLoad { get; init; } = [];

    /// <summary>
    /// Checkpoint keys (regular expressions, searched anywhere in the key, like <see cref="IgnoreOnLoad"/>) of weight
    /// matrices that transformers stores transposed, [in_features, out_features]: GPT-2's <c>Conv1D</c> projections
    /// (<c>c_attn</c>, <c>c_proj</c>, <c>c_fc</c>). TuneSharp builds ordinary <c>Linear</c> modules for them (weight
    /// [out, in]), so LoRA, bottleneck adapters, BitFit and freezing treat them like any projection and PEFT's adapter
    /// tensors keep their shapes (lora_A [r, in], lora_B [out, r]). Every read of a Hugging Face model folder turns these
    /// matrices into the modules' layout and every write turns them back (<see cref="Checkpoints.ModelWeights.Load"/> and
    /// <see cref="Checkpoints.ModelWeights.Save"/> take the list), and a LoRA adapter on them records PEFT's
    /// <c>fan_in_fan_out: true</c>. Empty (most architectures): files and modules agree.
    /// </summary>
    public IReadOnlyList<string> TransposedWeights { get; init; } = [];

    /// <summary>True when <paramref name="checkpointKey"/> (a weight's name in the file) is one of <see cref="TransposedWeights"/>.</summary>
    public bool StoresTransposed(string checkpointKey) =>
        TransposedWeights.Any(p => Regex.IsMatch(checkpointKey, p, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)));

    /// <summary>Matches a parameter or module path inside the numbered transformer layers; group 1 is the layer index.</summary>
    public required Regex LayerPattern { get; init; }

    /// <summary>PEFT's default LoRA <c>target_modules</c> for this model_type.</summary>
    public required IReadOnlyList<string> DefaultLoraTargets { get; init; }

    /// <summary>Where bottleneck adapters go: the output projections of attention and of the feed-forward block.</summary>
    public required AdapterSites AdapterSites { get; init; }

    /// <summary>What one layer keeps for the backward pass at a batch and length, for the resource planner.</summary>
    public required Func<PretrainedConfig, long, long, LayerActivations> Activations { get; init; }

    /// <summary>Sets the config's dropout probabilities that a run overrides (hidden, attention; null keeps the file's).</summary>
    public required Action<PretrainedConfig, double?, double?> ApplyDropout { get; init; }

    /// <summary>Whether a config ties the language-model head to the input embeddings (one tensor counted once).</summary>
    public Func<PretrainedConfig, bool> TiesWordEmbeddings { get; init; } = _ => false;

    /// <summary>The head this architecture has for each task, with transformers' module names.</summary>
    public required IReadOnlyDictionary<ModelTask, TaskHead> Heads { get; init; }

    /// <summary>
    /// transformers' class name for a task: "Bert" + "ForTokenClassification", or the head's own
    /// <see cref="TaskHead.ClassName"/> where transformers breaks the pattern (GPT-2's <c>GPT2LMHeadModel</c>).
    /// </summary>
    public string ClassName(ModelTask task) =>
        Heads.TryGetValue(task, out var head) && head.ClassName is { } name ? name : ClassPrefix + task.ClassSuffix();

    /// <summary>The head for <paramref name="task"/>.</summary>
    /// <exception cref="TuneSharpException">This architecture has no head for that task in TuneSharp.</exception>
    public TaskHead Head(ModelTask task) => Heads.TryGetValue(task, out var head) ? head
        : throw new TuneSharpException(
            $"model_type \"{ModelType}\" has no {ClassName(task)} in TuneSharp; its tasks are: {string.Join(", ", Heads.Keys.Select(ClassName))}.");
}

/// <summary>One task's head in an architecture, as transformers builds it.</summary>
public sealed record TaskHead
{
    /// <summary>The head's module name, which prefixes its weights: "classifier", "score", "qa_outputs", "lm_head".</summary>
    public required string Module { get; init; }

    /// <summary>
    /// transformers' class name for this task when it is not the architecture's prefix + the task's suffix (GPT-2's
    /// language model is <c>GPT2LMHeadModel</c>, not GPT2ForCausalLM); null follows the pattern.
    /// </summary>
    public string? ClassName { get; init; }

    /// <summary>Whether the head's Linear has a bias (Llama's sequence-classification <c>score</c> has none).</summary>
    public bool Bias { get; init; } = true;

    /// <summary>Dropout before the head, from the config (classifier_dropout or the architecture's fallback).</summary>
    public Func<PretrainedConfig, double> Dropout { get; init; } = _ => 0.0;

    /// <summary>
    /// Checkpoint keys (regular expressions) this task model does not use and drops on load without a warning, as
    /// transformers does: BERT's pooler for token classification, a causal LM's lm_head for a classifier.
    /// </summary>
    public IReadOnlyList<string> IgnoreOnLoad { get; init; } = [];

    /// <summary>
    /// Builds the task model when the architecture has its own class for it (BERT's and Llama's sequence classifiers pool
    /// differently); null builds the generic task model over <see cref="ModelArchitecture.CreateBackbone"/>.
    /// </summary>
    public Func<PretrainedConfig, ITaskModel>? Create { get; init; }

    /// <summary>
    /// The weight that a trained head always has, to tell a trained task model from a base one; its first dimension is
    /// the number of labels. Default <c>Module + ".weight"</c>; RoBERTa's two-layer classifier names <c>classifier.out_proj.weight</c>.
    /// </summary>
    public string WeightKey { get => _weightKey ?? Module + ".weight"; init => _weightKey = value; }

    private readonly string? _weightKey;

    /// <summary>
    /// Other modules of the head beside <see cref="Module"/>, trained and saved with it (PEFT's modules_to_save):
    /// DistilBERT's <c>pre_classifier</c>. Empty for one-module heads.
    /// </summary>
    public IReadOnlyList<string> ExtraModules { get; init; } = [];

    /// <summary><see cref="Module"/> and then <see cref="ExtraModules"/>.</summary>
    public IReadOnlyList<string> Modules => [Module, .. ExtraModules];

    /// <summary>True when <paramref name="name"/> (a parameter or module path) is one of the head's modules or inside one.</summary>
    public bool Owns(string name) => Modules.Any(m => name == m || name.StartsWith(m + ".", StringComparison.Ordinal));
}

/// <summary>The projections bottleneck adapters follow, as regular-expression fragments of module paths inside a layer.</summary>
/// <param name="AttentionOutput">The attention block's output projection (Houlsby adapters only).</param>
/// <param name="FeedForwardOutput">The feed-forward block's output projection.</param>
public sealed record AdapterSites(string AttentionOutput, string FeedForwardOutput);

/// <summary>
/// Elements (not bytes) one transformer layer keeps for the backward pass, for <c>Planning.ActivationMemory</c>.
/// </summary>
/// <param name="Saved">Everything the layer saves for its backward pass.</param>
/// <param name="SavedOnlyForWeights">Of those, the tensors kept only as the input of a weight matrix (not kept when weights do not train).</param>
/// <param name="Input">The layer's input (what gradient checkpointing keeps).</param>
/// <param name="Widest">The largest single tensor (the backward pass holds its gradient for a moment).</param>
/// <param name="Embeddings">What the embeddings save.</param>
/// <param name="Count">Number of layers.</param>
public readonly record struct LayerActivations(long Saved, long SavedOnlyForWeights, long Input, long Widest, long Embeddings, int Count);
