using System.Text.Json.Nodes;
using System.Text.Json;

namespace TuneSharp.Models;

/// <summary>
/// A Hugging Face model config (config.json). <see cref="Load"/> returns the typed subclass chosen by
/// <c>model_type</c> (see <see cref="Register"/>). Fields common to all models live here; each subclass adds
/// its architecture's fields with HF names and defaults. Keys that no typed property claims are kept in
/// <see cref="ExtraFields"/> and written back by <see cref="Save"/>, so a config this library does not fully
/// understand still round-trips and <c>transformers</c> can load what we write.
/// </summary>
public abstract class PretrainedConfig
{
    /// <summary>File name of a model config inside a model folder.</summary>
    public const string FileName = "config.json";

    // Config classes registered with Register, beside those of the registered architectures (Architectures.ModelArchitectures).
    private static readonly Dictionary<string, Func<PretrainedConfig>> Factories = new(StringComparer.Ordinal);

    /// <summary>HF <c>model_type</c> of this config, e.g. "bert".</summary>
    public abstract string ModelType { get; }

    /// <summary>HF class names the weights belong to, e.g. ["LlamaForCausalLM"]; null when absent.</summary>
    public List<string>? Architectures { get; set; }

    /// <summary>dtype the checkpoint was saved in ("float32", "bfloat16", ...); null when absent.</summary>
    public string? TorchDtype { get; set; }

    /// <summary>Class index to label name for classification heads; null when absent.</summary>
    public Dictionary<int, string>? Id2Label { get; set; }

    /// <summary>Label name to class index; null when absent.</summary>
    public Dictionary<string, int>? Label2Id { get; set; }

    /// <summary>Padding token id (<c>pad_token_id</c>); null when the model has none.</summary>
    public int? PadTokenId { get; set; }

    /// <summary>Beginning-of-sequence token id (<c>bos_token_id</c>).</summary>
    public int? BosTokenId { get; set; }

    /// <summary>End-of-sequence token ids (<c>eos_token_id</c>, one integer or a list in HF); empty when none.</summary>
    public List<int> EosTokenIds { get; set; } = [];

    /// <summary>
    /// The longest sequence the model accepts, in tokens (prompt and generated tokens together), from config.json
    /// (<c>max_position_embeddings</c> for BERT and Llama, <c>n_positions</c> for GPT-2; see <see cref="MaxPositionsSource"/>): inputs, truncation lengths
    /// and generated text must stay within it, because positions past it were never trained (rotary models degrade into
    /// garbage, learned position tables have no row for them). Callers check against it before loading weights.
    /// </summary>
    public abstract int MaxPositions { get; }

    /// <summary>Where <see cref="MaxPositions"/> comes from in config.json, for messages: "max_position_embeddings" unless an architecture says otherwise.</summary>
    public virtual string MaxPositionsSource => "max_position_embeddings";

    /// <summary>Width of the hidden states every layer reads and writes (BERT/Llama <c>hidden_size</c>).</summary>
    public abstract int HiddenSize { get; set; }

    /// <summary>Number of transformer layers (<c>num_hidden_layers</c>).</summary>
    public abstract int NumHiddenLayers { get; set; }

    /// <summary>Attention heads per layer (<c>num_attention_heads</c>).</summary>
    public abstract int NumAttentionHeads { get; set; }

    /// <summary>Rows of the input embedding table (<c>vocab_size</c>).</summary>
    public abstract int VocabSize { get; set; }

    /// <summary>Standard deviation of the normal initialisation of new weights, such as a new head (<c>initializer_range</c>).</summary>
    public abstract double InitializerRange { get; set; }

    /// <summary>Keys of config.json that no typed property represents, kept verbatim for <see cref="Save"/>.</summary>
    public JsonObject ExtraFields { get; private set; } = new();

    /// <summary>Where this config was read from (for error messages); "config" when built in code.</summary>
    public string Source { get; private set; } = "config";

    /// <summary>The <c>model_type</c> values <see cref="Load"/> understands.</summary>
    public static IReadOnlyCollection<string> SupportedModelTypes
    {
        get
        {
            lock (Factories)
                return Factories.Keys.Concat(TuneSharp.Architectures.ModelArchitectures.All.Select(a => a.ModelType))
                    .Distinct().Order(StringComparer.Ordinal).ToArray();
        }
    }

    /// <summary>Adds (or replaces) the config class for a <c>model_type</c>, e.g. "roberta" or "gpt2".</summary>
    public static void Register(string modelType, Func<PretrainedConfig> factory)
    {
        lock (Factories) Factories[modelType] = factory;
    }

    /// <summary>Reads <c>config.json</c> from a model folder and returns the typed config for its <c>model_type</c>.</summary>
    /// <exception cref="ModelConfigException">missing file, invalid JSON, a field of the wrong type, or an unknown model_type.</exception>
    public static PretrainedConfig Load(string modelDir)
    {
        var path = Path.Combine(modelDir, FileName);
        if (!File.Exists(path))
            throw new ModelConfigException($"{path} does not exist: a model folder must contain config.json (the Hugging Face model config).");
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelConfigException($"Cannot read {path}: {e.Message}", e);
        }
        return FromJson(text, path);
    }

    /// <summary>Like <see cref="Load"/> but requires a particular config type (e.g. LlamaConfig for a Llama model).</summary>
    public static T Load<T>(string modelDir) where T : PretrainedConfig
    {
        var config = Load(modelDir);
        return config as T ?? throw new ModelConfigException(
            $"{config.Source}: field 'model_type' is \"{config.ModelType}\", but this model needs a {typeof(T).Name}.");
    }

    /// <summary>Parses config JSON text; <paramref name="source"/> names it in error messages.</summary>
    public static PretrainedConfig FromJson(string json, string source = "config.json")
    {
        JsonObject obj;
        try
        {
            obj = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true }) as JsonObject
                ?? throw new ModelConfigException($"{source}: expected a JSON object at the top level.");
        }
        catch (JsonException e)
        {
            throw new ModelConfigException($"{source} is not valid JSON: {e.Message}", e);
        }

        var reader = new ConfigReader(obj, source);
        var modelType = reader.OptionalString("model_type", null)
            ?? throw new ModelConfigException($"{source}: field 'model_type' is missing; supported model types: {string.Join(", ", SupportedModelTypes)}.");
        Func<PretrainedConfig>? factory;
        lock (Factories) Factories.TryGetValue(modelType, out factory);
        factory ??= TuneSharp.Architectures.ModelArchitectures.Find(modelType)?.CreateConfig;
        if (factory is null)
            throw new ModelConfigException(
                $"{source}: model_type \"{modelType}\" is not supported; supported model types: {string.Join(", ", SupportedModelTypes)}.");

        var config = factory();
        config.Source = source;
        config.ReadCommon(reader);
        config.ReadFields(reader);
        config.ExtraFields = reader.Remaining;
        config.Validate(reader);
        return config;
    }

    /// <summary>The config as HF-style JSON (snake_case keys, sorted like transformers writes them).</summary>
    public string ToJson()
    {
        var obj = new JsonObject();
        foreach (var (key, value) in ExtraFields) obj[key] = value?.DeepClone();
        WriteCommon(obj);
        WriteFields(obj);
        obj["model_type"] = ModelType;
        var sorted = new JsonObject();
        foreach (var (key, value) in obj.OrderBy(p => p.Key, StringComparer.Ordinal)) sorted[key] = value?.DeepClone();
        return sorted.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    /// <summary>Writes <c>config.json</c> into <paramref name="dir"/> (created if needed).</summary>
    public void Save(string dir)
    {
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, FileName), ToJson());
    }

    /// <summary>Reads this architecture's typed fields (each read removes the key from the extras).</summary>
    protected abstract void ReadFields(ConfigReader reader);

    /// <summary>Writes this architecture's typed fields with their HF key names.</summary>
    protected abstract void WriteFields(JsonObject json);

    /// <summary>Checks values that are individually well typed but impossible together; throws via <see cref="ConfigReader.Error"/>.</summary>
    protected virtual void Validate(ConfigReader reader) { }

    private void ReadCommon(ConfigReader r)
    {
        Architectures = r.StringList("architectures");
        TorchDtype = r.OptionalString("torch_dtype", null);
        PadTokenId = r.OptionalInt("pad_token_id", PadTokenId);
        BosTokenId = r.OptionalInt("bos_token_id", BosTokenId);
        EosTokenIds = r.IntOrIntList("eos_token_id", EosTokenIds) ?? [];

        if (r.Object("id2label") is { } id2label)
            Id2Label = id2label.ToDictionary(
                p => int.TryParse(p.Key, out var id) ? id : throw r.Error("id2label", $"keys must be class indices, found \"{p.Key}\""),
                p => p.Value?.GetValueKind() == JsonValueKind.String ? p.Value.GetValue<string>() : throw r.Error("id2label", $"values must be strings (at \"{p.Key}\")"));
        if (r.Object("label2id") is { } label2id)
            Label2Id = label2id.ToDictionary(
                p => p.Key,
                p => p.Value?.GetValueKind() == JsonValueKind.Number ? p.Value.GetValue<JsonElement>().GetInt32() : throw r.Error("label2id", $"values must be integers (at \"{p.Key}\")"));
        // HF derives one mapping from the other; so do we, so classification code can rely on both.
        if (Id2Label is not null && Label2Id is null) Label2Id = Id2Label.ToDictionary(p => p.Value, p => p.Key);
        if (Label2Id is not null && Id2Label is null) Id2Label = Label2Id.ToDictionary(p => p.Value, p => p.Key);
    }

    private void WriteCommon(JsonObject json)
    {
        if (Architectures is not null) json["architectures"] = new JsonArray(Architectures.Select(a => (JsonNode?)a).ToArray());
        if (TorchDtype is not null) json["torch_dtype"] = TorchDtype;
        if (PadTokenId is not null) json["pad_token_id"] = PadTokenId;
        if (BosTokenId is not null) json["bos_token_id"] = BosTokenId;
        if (EosTokenIds.Count == 1) json["eos_token_id"] = EosTokenIds[0];
        else if (EosTokenIds.Count > 1) json["eos_token_id"] = new JsonArray(EosTokenIds.Select(i => (JsonNode?)i).ToArray());
        if (Id2Label is not null)
        {
            var obj = new JsonObject();
            foreach (var (id, label) in Id2Label.OrderBy(p => p.Key)) obj[id.ToString()] = label;
            json["id2label"] = obj;
        }
        if (Label2Id is not null)
        {
            var obj = new JsonObject();
            foreach (var (label, id) in Label2Id.OrderBy(p => p.Value)) obj[label] = id;
            json["label2id"] = obj;
        }
    }
}
