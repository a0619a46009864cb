using System.Text.Json;
using System.Text.Json.Nodes;

namespace TuneSharp.Peft.PromptTuning;

/// <summary>
/// Hugging Face PEFT's <c>adapter_config.json</c> for prompt tuning of a sequence classifier (peft_type
/// "PROMPT_TUNING", task_type "SEQ_CLS", "TOKEN_CLS" or "QUESTION_ANS"). Only what TuneSharp implements is accepted on reading: one transformer
/// submodule (encoder-only or decoder-only models) and the RANDOM / TEXT / SAMPLE_VOCAB initialisations.
/// </summary>
public sealed record PromptTuningConfig
{
    /// <summary>adapter_config.json's peft_type for prompt tuning.</summary>
    public const string PeftType = "PROMPT_TUNING";

    /// <summary>The task types TuneSharp's prompt tuning has: a classification head on top, per sequence or per token.</summary>
    public static IReadOnlyList<string> TaskTypes { get; } = ["SEQ_CLS", "TOKEN_CLS", "QUESTION_ANS"];

    /// <summary>task_type: "SEQ_CLS", "TOKEN_CLS" or "QUESTION_ANS".</summary>
    public string TaskType { get; init; } = "SEQ_CLS";

    /// <summary>num_virtual_tokens: rows of the prompt embedding.</summary>
    public required int NumVirtualTokens { get; init; }

    /// <summary>token_dim: the base model's hidden size (columns of the prompt embedding).</summary>
    public required int TokenDim { get; init; }

    /// <summary>num_attention_heads of the base model (informative for prompt tuning).</summary>
    public int? NumAttentionHeads { get; init; }

    /// <summary>num_layers of the base model (informative for prompt tuning).</summary>
    public int? NumLayers { get; init; }

    /// <summary>prompt_tuning_init.</summary>
    public PromptTuningInit Init { get; init; } = PromptTuningInit.Random;

    /// <summary>prompt_tuning_init_text (TEXT init only).</summary>
    public string? InitText { get; init; }

    /// <summary>tokenizer_name_or_path: where the TEXT init's tokenizer came from (PEFT requires it for TEXT).</summary>
    public string? TokenizerNameOrPath { get; init; }

    /// <summary>base_model_name_or_path.</summary>
    public string? BaseModelNameOrPath { get; init; }

    /// <summary>
    /// modules_to_save as read from a file that has it: TuneSharp's own adapters saved before it stopped writing the
    /// field, and PEFT releases later than 0.10 that write it for prompt learning. Null when the file has none, which then
    /// means the classification head ("classifier" or "score"), as PEFT's PeftModelForSequenceClassification assumes.
    /// <see cref="Save"/> never writes it: PEFT 0.10's PromptTuningConfig has no such field and refuses a file that has it.
    /// </summary>
    public IReadOnlyList<string>? ModulesToSave { get; init; }

    /// <summary>inference_mode; PEFT skips the TEXT / SAMPLE_VOCAB initialisation when it is true (the weights are loaded instead).</summary>
    public bool InferenceMode { get; init; } = true;

    /// <summary>revision of the base model, if one was named.</summary>
    public string? Revision { get; init; }

    /// <summary>The options that recreate this prompt's shape and initialisation.</summary>
    public PromptTuningOptions ToOptions() => new()
    {
        NumVirtualTokens = NumVirtualTokens,
        Init = Init,
        InitText = Init == PromptTuningInit.Text ? InitText : null, // PEFT keeps a stray text with other inits; it means nothing there
    };

    /// <summary>PEFT's spelling of an init method: "RANDOM", "TEXT", "SAMPLE_VOCAB".</summary>
    public static string InitName(PromptTuningInit init) => init switch
    {
        PromptTuningInit.Random => "RANDOM",
        PromptTuningInit.Text => "TEXT",
        PromptTuningInit.SampleVocab => "SAMPLE_VOCAB",
        _ => throw new ArgumentOutOfRangeException(nameof(init), init, "Unknown prompt tuning init."),
    };

    /// <summary>
    /// Writes adapter_config.json into <paramref name="dir"/> with exactly the fields of PEFT 0.10's PromptTuningConfig,
    /// keys sorted as PEFT writes them. PEFT builds the config class from every key of the file, so a key an older PEFT
    /// lacks makes the file unreadable there; newer releases accept a file without their later fields. The trained head
    /// is still saved and restored: for task_type SEQ_CLS, PEFT itself adds "classifier" and "score" to modules_to_save (QUESTION_ANS: "qa_outputs")
    /// and stores the head in adapter_model.safetensors as base_model.&lt;head&gt;.weight / .bias, as TuneSharp does.
    /// <see cref="ModulesToSave"/> is therefore not written.
    /// </summary>
    public void Save(string dir)
    {
        var json = new JsonObject
        {
            ["auto_mapping"] = null,
            ["base_model_name_or_path"] = BaseModelNameOrPath,
            ["inference_mode"] = InferenceMode,
            ["num_attention_heads"] = NumAttentionHeads,
            ["num_layers"] = NumLayers,
            ["num_transformer_submodules"] = 1,
            ["num_virtual_tokens"] = NumVirtualTokens,
            ["peft_type"] = PeftType,
            ["prompt_tuning_init"] = InitName(Init),
            ["prompt_tuning_init_text"] = InitText,
            ["revision"] = Revision,
            ["task_type"] = TaskType,
            ["token_dim"] = TokenDim,
            ["tokenizer_kwargs"] = null,
            ["tokenizer_name_or_path"] = TokenizerNameOrPath,
        };
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, AdapterFiles.ConfigFileName), json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    /// <summary>Reads a prompt tuning adapter_config.json.</summary>
    /// <exception cref="PeftException">
    /// The file is missing or not JSON, is not a SEQ_CLS prompt tuning config, or a field has a wrong type or a value
    /// TuneSharp does not implement; the message names the file and the field.
    /// </exception>
    public static PromptTuningConfig Load(string dir)
    {
        var path = Path.Combine(dir, AdapterFiles.ConfigFileName);
        var json = AdapterFiles.ReadConfig(dir);
        var reader = new FieldReader(path, json);

        var peftType = reader.String("peft_type");
        if (peftType != PeftType)
            throw new PeftException($"{path}: peft_type is {Quote(peftType)}; this is not a prompt tuning adapter (expected \"{PeftType}\").");
        var taskType = reader.String("task_type");
        if (taskType is not null && !TaskTypes.Contains(taskType))
            throw new PeftException($"{path}: task_type is \"{taskType}\"; TuneSharp's prompt tuning supports only {string.Join(", ", TaskTypes.Select(t => $"\"{t}\""))} (sequence and token classification, question answering).");
        var submodules = reader.Int("num_transformer_submodules");
        if (submodules is not null and not 1)
            throw new PeftException($"{path}: num_transformer_submodules is {submodules}; TuneSharp supports only 1 (encoder-only or decoder-only models, not encoder-decoder).");

        var numVirtualTokens = reader.Int("num_virtual_tokens")
            ?? throw new PeftException($"{path}: num_virtual_tokens is missing; expected a positive integer.");
        if (numVirtualTokens < 1)
            throw new PeftException($"{path}: num_virtual_tokens is {numVirtualTokens}; expected a positive integer.");
        var tokenDim = reader.Int("token_dim")
            ?? throw new PeftException($"{path}: token_dim is missing; expected the base model's hidden size.");
        if (tokenDim < 1)
            throw new PeftException($"{path}: token_dim is {tokenDim}; expected the base model's hidden size.");

        var initName = reader.String("prompt_tuning_init") ?? "RANDOM";
        var init = initName switch
        {
            "RANDOM" => PromptTuningInit.Random,
            "TEXT" => PromptTuningInit.Text,
            "SAMPLE_VOCAB" => PromptTuningInit.SampleVocab,
            _ => throw new PeftException($"{path}: prompt_tuning_init is \"{initName}\"; expected \"RANDOM\", \"TEXT\" or \"SAMPLE_VOCAB\"."),
        };
        var initText = reader.String("prompt_tuning_init_text");
        if (init == PromptTuningInit.Text && string.IsNullOrWhiteSpace(initText))
            throw new PeftException($"{path}: prompt_tuning_init is \"TEXT\" but prompt_tuning_init_text is empty.");

        return new PromptTuningConfig
        {
            NumVirtualTokens = numVirtualTokens,
            TokenDim = tokenDim,
            TaskType = taskType ?? "SEQ_CLS",
            NumAttentionHeads = reader.Int("num_attention_heads"),
            NumLayers = reader.Int("num_layers"),
            Init = init,
            InitText = initText,
            TokenizerNameOrPath = reader.String("tokenizer_name_or_path"),
            BaseModelNameOrPath = reader.String("base_model_name_or_path"),
            ModulesToSave = reader.StringList("modules_to_save"),
            InferenceMode = reader.Bool("inference_mode") ?? false,
            Revision = reader.String("revision"),
        };
    }

    private static string Quote(string? value) => value is null ? "missing" : $"\"{value}\"";

    /// <summary>Typed reads of optional fields; a wrong type is an error that names the file and the field.</summary>
    private sealed class FieldReader(string path, JsonObject json)
    {
        public string? String(string field) => Read(field, "a string", n => n.GetValue<string>());

        public int? Int(string field) => Read<int?>(field, "an integer", n => n.GetValue<int>());

        public bool? Bool(string field) => Read<bool?>(field, "true or false", n => n.GetValue<bool>());

        public IReadOnlyList<string>? StringList(string field) =>
            Read<IReadOnlyList<string>>(field, "a list of module names", n => ((JsonArray)n).Select(e => e!.GetValue<string>()).ToList());

        private T? Read<T>(string field, string expected, Func<JsonNode, T> read)
        {
            var node = json[field];
            if (node is null) return default;
            try { return read(node); }
            catch (Exception e) when (e is InvalidOperationException or FormatException or InvalidCastException or NullReferenceException)
            {
                throw new PeftException($"{path}: {field} must be {expected}, not {node.ToJsonString()}.");
            }
        }
    }
}
