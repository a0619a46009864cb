using System.Text.Json;
using System.Text.Json.Nodes;

namespace TuneSharp.Peft.Lora;

/// <summary>
/// Hugging Face PEFT's <c>adapter_config.json</c> for a LoRA adapter on a sequence classifier. Only the plain LoRA
/// that TuneSharp implements is accepted on reading (no DoRA, bias "none", no per-layer ranks). <c>fan_in_fan_out</c>
/// says how the base checkpoint stores the adapted weights, not what the adapter computes: PEFT itself replaces a
/// value that does not fit the layer type (true for GPT-2's Conv1D, false for Linear), so either is read.
/// </summary>
public static class AdapterConfig
{
    /// <summary>The file name PEFT uses.</summary>
    public const string FileName = AdapterFiles.ConfigFileName;

    /// <summary>
    /// Writes adapter_config.json for <paramref name="options"/> and the modules the adapter was applied to;
    /// <paramref name="fanInFanOut"/> is true when those are layers transformers stores transposed (GPT-2's Conv1D).
    /// </summary>
    public static void Save(string dir, LoraOptions options, LoraTargets targets, IEnumerable<string> adaptedPaths,
        IReadOnlyList<string> modulesToSave, string? baseModelNameOrPath, Models.ModelTask task = Models.ModelTask.SequenceClassification,
        bool fanInFanOut = false)
    {
        var json = new JsonObject
        {
            ["peft_type"] = "LORA",
            ["task_type"] = Models.ModelTasks.PeftTaskType(task),
            ["base_model_name_or_path"] = baseModelNameOrPath,
            ["r"] = options.R,
            ["lora_alpha"] = Number(options.Alpha),
            ["lora_dropout"] = options.Dropout,
            ["target_modules"] = targets.ToJson(adaptedPaths),
            ["bias"] = "none",
            ["modules_to_save"] = new JsonArray(modulesToSave.Select(m => (JsonNode)JsonValue.Create(m)!).ToArray()),
            ["use_rslora"] = options.UseRslora,
            ["fan_in_fan_out"] = fanInFanOut,
            ["inference_mode"] = true,
            ["init_lora_weights"] = true,
            ["use_dora"] = false,
            ["rank_pattern"] = new JsonObject(),
            ["alpha_pattern"] = new JsonObject(),
            ["layers_to_transform"] = null,
            ["layers_pattern"] = null,
            ["revision"] = null,
        };
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, FileName), json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    /// <summary>Reads an adapter folder's config back into options and targets.</summary>
    /// <exception cref="PeftException">The file is missing, not JSON, not a LoRA config, or uses features TuneSharp does not implement.</exception>
    public static (LoraOptions Options, LoraTargets Targets, string? BaseModel) Load(string dir)
    {
        var path = Path.Combine(dir, FileName);
        var json = AdapterFiles.ReadConfig(dir);

        var peftType = json["peft_type"]?.GetValue<string>();
        if (peftType != "LORA") throw new PeftException($"{path}: peft_type is \"{peftType}\"; only \"LORA\" adapters are supported.");
        Require(path, json, "bias", n => n is null || n.GetValue<string>() == "none", "\"none\"");
        Require(path, json, "use_dora", n => n is null || !n.GetValue<bool>(), "false");
        // Any boolean: PEFT sets fan_in_fan_out per adapted layer from its type, and TuneSharp's layers are Linear either way.
        Require(path, json, "fan_in_fan_out", n => n is null || n.GetValueKind() is System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False, "true or false");
        Require(path, json, "rank_pattern", n => n is null || n is JsonObject { Count: 0 }, "empty");
        Require(path, json, "alpha_pattern", n => n is null || n is JsonObject { Count: 0 }, "empty");
        Require(path, json, "layers_to_transform", n => n is null, "null");

        var options = new LoraOptions
        {
            R = ReadNumber(path, json, "r", 8, n => n.GetValue<int>()),
            Alpha = ReadNumber(path, json, "lora_alpha", 8.0, n => n.GetValue<double>()),
            Dropout = ReadNumber(path, json, "lora_dropout", 0.0, n => n.GetValue<double>()),
            UseRslora = json["use_rslora"]?.GetValue<bool>() ?? false,
            ModulesToSave = json["modules_to_save"] is JsonArray modules ? modules.Select(m => m!.GetValue<string>()).ToList() : null,
        };
        options.Validate();
        var targets = json["target_modules"] switch
        {
            JsonArray names => LoraTargets.FromNames(names.Select(n => n!.GetValue<string>())),
            JsonValue value when value.GetValue<string>() == LoraTargets.AllLinear => LoraTargets.Parse(LoraTargets.AllLinear),
            JsonValue value => LoraTargets.FromRegex(value.GetValue<string>()),
            _ => throw new PeftException($"{path}: target_modules is missing; expected a list of module names or a regular expression."),
        };
        return (options with { TargetModules = targets.ToString() }, targets, json["base_model_name_or_path"]?.GetValue<string>());
    }

    // PEFT writes lora_alpha as an int when it is one.
    private static JsonNode Number(double value) =>
        value == Math.Floor(value) && Math.Abs(value) < int.MaxValue ? JsonValue.Create((int)value) : JsonValue.Create(value);

    private static T ReadNumber<T>(string path, JsonObject json, string field, T fallback, Func<JsonNode, T> read)
    {
        var node = json[field];
        if (node is null) return fallback;
        try { return read(node); }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        { throw new PeftException($"{path}: {field} must be a number, not {node.ToJsonString()}."); }
    }

    private static void Require(string path, JsonObject json, string field, Func<JsonNode?, bool> ok, string expected)
    {
        bool accepted;
        try { accepted = ok(json[field]); }
        catch (InvalidOperationException) { accepted = false; }
        if (!accepted)
            throw new PeftException($"{path}: {field} is {json[field]?.ToJsonString() ?? "null"}; TuneSharp's LoRA supports only {expected}.");
    }
}
