using TorchSharp.Modules;
using TuneSharp.Models;
using TuneSharp.Tasks.SequenceClassification;
using TuneSharp.Tokenization;
using static TorchSharp.torch;

namespace TuneSharp.Peft.PromptTuning;

/// <summary>
/// Prompt tuning (Lester et al. 2021) as Hugging Face PEFT's PROMPT_TUNING for SEQ_CLS: a [num_virtual_tokens, hidden]
/// embedding is trained and put in front of every input (see <see cref="PromptTunedClassifier"/>); every base
/// parameter is frozen and only the prompt and the classification head are trained and saved.
/// </summary>
public sealed class PromptTuningModel : IPeftAdapter
{
    /// <summary>Name of the prompt submodule inside the classifier's module (its parameter is <c>prompt_encoder.weight</c>).</summary>
    public const string PromptModuleName = "prompt_encoder";

    /// <summary>
    /// Key of the prompt in adapter_model.safetensors: PEFT's BasePromptEncoder._get_adapter_state_dict saves the
    /// prompt as one tensor "prompt_embeddings" [num_virtual_tokens, token_dim].
    /// </summary>
    public const string PromptKey = "prompt_embeddings";

    /// <summary>
    /// Prefix of the head's keys: for prompt learning PeftModel.base_model is the transformers model itself (no
    /// tuner wrapper in between), so modules_to_save are saved as "base_model.classifier.weight", not "base_model.model.…".
    /// </summary>
    public const string HeadKeyPrefix = "base_model.";

    private PromptTuningModel(ITaskModel classifier, Embedding prompt, PromptTuningOptions options,
        IReadOnlyList<string> modulesToSave, string? tokenizerNameOrPath, string? baseModelNameOrPath)
    {
        TaskModel = classifier;
        Prompt = prompt;
        Options = options;
        ModulesToSave = modulesToSave;
        TokenizerNameOrPath = tokenizerNameOrPath;
        BaseModelNameOrPath = baseModelNameOrPath;
    }

    /// <summary>The classifier to train and run: it puts the virtual tokens in front of every input.</summary>
    public PromptTunedClassifier Classifier => TaskModel as PromptTunedClassifier
        ?? throw new PeftException($"This prompt adapts a {TaskModel.Task} model, not a sequence classifier; use TaskModel.");

    /// <summary>The task model to train and run, whatever its task: the base model with the virtual tokens in front.</summary>
    public ITaskModel TaskModel { get; }

    /// <summary>The trained virtual tokens, weight [num_virtual_tokens, hidden] in float32 (PEFT keeps them in float32).</summary>
    public Embedding Prompt { get; }

    /// <summary>The hyper-parameters used.</summary>
    public PromptTuningOptions Options { get; }

    /// <summary>Module paths trained fully and saved with the prompt (the classification head).</summary>
    public IReadOnlyList<string> ModulesToSave { get; }

    /// <summary>Where the TEXT init's tokenizer came from: the base model (adapter_config.json's tokenizer_name_or_path; null for other inits).</summary>
    public string? TokenizerNameOrPath { get; }

    /// <inheritdoc/>
    public nn.Module Model => TaskModel.Module;

    /// <inheritdoc/>
    public string PeftType => PromptTuningConfig.PeftType;

    /// <inheritdoc/>
    public string? BaseModelNameOrPath { get; set; }

    /// <inheritdoc/>
    public string Describe() =>
        $"Prompt tuning: {Options.NumVirtualTokens} virtual tokens, {PromptTuningConfig.InitName(Options.Init)} init" +
        (Options.InitText is { } text ? $" from \"{text}\"" : "") + $", training also {string.Join(", ", ModulesToSave)}.";

    /// <summary>
    /// Freezes <paramref name="classifier"/>, adds the prompt (initialised as <paramref name="options"/> says) and keeps
    /// its classification head trainable. Train and run <see cref="Classifier"/> from then on.
    /// </summary>
    /// <param name="classifier">A fresh base classifier (BERT or Llama).</param>
    /// <param name="options">Number of virtual tokens and initialisation.</param>
    /// <param name="tokenizerForTextInit">The base model's tokenizer; needed for TEXT init only.</param>
    /// <param name="baseModelNameOrPath">Written to adapter_config.json's base_model_name_or_path.</param>
    /// <exception cref="PeftException">Bad options, TEXT init without a tokenizer, or a classifier that already has a prompt.</exception>
    public static PromptTuningModel Apply(ITaskModel classifier, PromptTuningOptions options,
        TextTokenizer? tokenizerForTextInit = null, string? baseModelNameOrPath = null)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (options.Init == PromptTuningInit.Text && tokenizerForTextInit is null)
            throw new PeftException("Prompt tuning init TEXT needs the model's tokenizer to turn the init text into tokens.");
        // The tokenizer is the base model's (a TextTokenizer does not know its folder), so PEFT's tokenizer_name_or_path is the base model's.
        return Create(classifier, options, PeftLayout.HeadsOf(classifier), tokenizerForTextInit, initialize: true,
            options.Init == PromptTuningInit.Text ? baseModelNameOrPath : null, baseModelNameOrPath);
    }

    /// <summary>
    /// The tensors saved in adapter_model.safetensors, by PEFT key (views of the live parameters):
    /// <see cref="PromptKey"/> and the head as <c>base_model.&lt;head&gt;.weight</c> / <c>.bias</c>.
    /// </summary>
    public Dictionary<string, Tensor> AdapterStateDict()
    {
        // The prompt goes under its own PEFT key, not under its module path (prompt_encoder.weight).
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal) { [PromptKey] = Prompt.weight! };
        foreach (var (key, head) in TrainedParameters.StateDict(Model, HeadKeyPrefix, _ => false, ModulesToSave)) result.Add(key, head);
        return result;
    }

    /// <inheritdoc/>
    public void SaveAdapter(string dir)
    {
        ToConfig().Save(dir);
        AdapterFiles.SaveTensors(dir, AdapterStateDict());
    }

    /// <summary>The adapter_config.json this adapter writes.</summary>
    public PromptTuningConfig ToConfig()
    {
        var (heads, layers) = ((int?)TaskModel.Config.NumAttentionHeads, (int?)TaskModel.Config.NumHiddenLayers);
        return new PromptTuningConfig
        {
            TaskType = TaskModel.Task.PeftTaskType(),
            NumVirtualTokens = Options.NumVirtualTokens,
            TokenDim = (int)Prompt.weight!.shape[1],
            NumAttentionHeads = heads,
            NumLayers = layers,
            Init = Options.Init,
            InitText = Options.InitText,
            TokenizerNameOrPath = TokenizerNameOrPath,
            BaseModelNameOrPath = BaseModelNameOrPath,
            // Not written (see PromptTuningConfig.Save): a file without modules_to_save means the head, which is what this adapter trains.
            ModulesToSave = null,
            InferenceMode = true,
        };
    }

    /// <inheritdoc/>
    public void LoadAdapterWeights(string dir) => AdapterFiles.LoadTensorsInto(dir, AdapterStateDict());

    /// <summary>
    /// Adds the prompt described in <paramref name="adapterDir"/> to <paramref name="classifier"/> (a fresh base
    /// classifier) and loads the prompt and head weights. Use the returned adapter's <see cref="Classifier"/>.
    /// </summary>
    /// <exception cref="PeftException">The folder is not a prompt tuning adapter or does not fit the model.</exception>
    public static PromptTuningModel LoadAdapter(ITaskModel classifier, string adapterDir)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        var config = PromptTuningConfig.Load(adapterDir);
        var path = Path.Combine(adapterDir, AdapterFiles.ConfigFileName);
        var hidden = classifier.InputEmbeddings.weight!.shape[1];
        if (config.TokenDim != hidden)
            throw new PeftException($"{path}: token_dim is {config.TokenDim} but this model's hidden size is {hidden} (an adapter for another base model?).");
        var modules = classifier.Module.named_modules().Select(m => m.name).ToHashSet();
        var modulesToSave = config.ModulesToSave ?? PeftLayout.HeadsOf(classifier);
        var peftAdded = PeftLayout.PeftAddedHeadNames(classifier.Task);
        var unknown = modulesToSave.Where(m => !modules.Contains(m) && !peftAdded.Contains(m)).ToList();
        if (unknown.Count > 0)
            throw new PeftException($"{path}: modules_to_save names {string.Join(", ", unknown.Select(m => $"\"{m}\""))}, which this model does not have (an adapter for another architecture?).");
        // PEFT writes both head names ("classifier", "score") whatever the architecture; keep the ones this model has.
        var present = modulesToSave.Where(modules.Contains).Distinct().ToList();
        // As PEFT in inference mode: no TEXT / SAMPLE_VOCAB initialisation, the weights come from the file.
        var adapter = Create(classifier, config.ToOptions(), present, tokenizer: null, initialize: false, config.TokenizerNameOrPath, config.BaseModelNameOrPath);
        adapter.LoadAdapterWeights(adapterDir);
        return adapter;
    }

    /// <summary>
    /// Loads the base classifier from <paramref name="baseModelDir"/> and the prompt of <paramref name="adapterDir"/>
    /// (the head comes from the adapter). The returned classifier is the prompt-tuned one, in eval mode.
    /// </summary>
    public static (ISequenceClassifier Classifier, PromptTuningModel Adapter) FromPretrained(string baseModelDir, string adapterDir,
        SequenceClassificationOptions options) =>
        PeftClassifierLoader.OnFreshBase(baseModelDir, options, classifier =>
        {
            var adapter = LoadAdapter(classifier, adapterDir);
            return ((ISequenceClassifier)adapter.Classifier, adapter);
        });

    private static PromptTuningModel Create(ITaskModel classifier, PromptTuningOptions options, IReadOnlyList<string> modulesToSave,
        TextTokenizer? tokenizer, bool initialize, string? tokenizerNameOrPath, string? baseModelNameOrPath)
    {
        if (classifier is PromptTunedClassifier or PromptTunedTokenClassifier || classifier.Module.named_children().Any(c => c.name == PromptModuleName))
            throw new PeftException("This classifier already has a prompt; apply prompt tuning to a fresh base model.");
        var words = classifier.InputEmbeddings.weight!;
        // nn.Embedding's default init is Normal(0, 1): PEFT's RANDOM init. Float32 whatever the model dtype, as PEFT.
        var prompt = nn.Embedding(options.NumVirtualTokens, words.shape[1], device: words.device, dtype: ScalarType.Float32);
        if (initialize) PromptInitialization.Initialize(prompt, classifier.InputEmbeddings, options, tokenizer);

        var model = classifier.Module;
        TrainedParameters.FreezeAllBut(model, _ => false, modulesToSave);
        // The classifier's module owns the prompt: it trains, moves, saves in state_dict and disposes with it.
        model.register_module(PromptModuleName, prompt);
        ModuleOwnership.DetachFromDisposeScopes(prompt);
        prompt.weight!.requires_grad = true;
        ITaskModel wrapped = classifier switch
        {
            ISequenceClassifier sequence => new PromptTunedClassifier(sequence, prompt),
            Tasks.TokenClassification.ITokenClassifier token => new PromptTunedTokenClassifier(token, prompt),
            Tasks.QuestionAnswering.IQuestionAnsweringModel qa => new PromptTunedQuestionAnsweringModel(qa, prompt),
            _ => throw new PeftException($"Prompt tuning has no {classifier.Task} model; it adapts sequence and token classifiers and question-answering models."),
        };
        return new PromptTuningModel(wrapped, prompt, options, modulesToSave, tokenizerNameOrPath, baseModelNameOrPath);
    }
}
