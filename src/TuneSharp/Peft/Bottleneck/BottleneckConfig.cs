using System.Text.Json;
using System.Text.Json.Nodes;

namespace TuneSharp.Peft.Bottleneck;

/// <summary>
/// adapter_config.json for bottleneck adapters. Hugging Face PEFT has no bottleneck-adapter type, so this is
/// TuneSharp's own <c>peft_type: "BOTTLENECK"</c>, written in PEFT's style (same file names, task_type,
/// base_model_name_or_path, modules_to_save) so the folder is recognisable and opens like a LoRA one in TuneSharp.
/// </summary>
public static class BottleneckConfig
{
    /// <summary>The peft_type written and accepted.</summary>
    public const string PeftType = "BOTTLENECK";

    /// <summary>Writes adapter_config.json.</summary>
    public static void Save(string dir, BottleneckOptions options, int bottleneckSize, IEnumerable<string> adaptedPaths,
        IReadOnlyList<string> modulesToSave, string? baseModelNameOrPath, Models.ModelTask task = Models.ModelTask.SequenceClassification)
    {
        var json = new JsonObject
        {
            ["peft_type"] = PeftType,
            ["task_type"] = Models.ModelTasks.PeftTaskType(task),
            ["base_model_name_or_path"] = baseModelNameOrPath,
            ["adapter_variant"] = options.Variant.ToString().ToLowerInvariant(),
            ["reduction_factor"] = options.ReductionFactor,
            ["bottleneck_size"] = bottleneckSize,
            ["non_linearity"] = options.NonLinearity,
            ["target_modules"] = new JsonArray(adaptedPaths.Select(p => (JsonNode)JsonValue.Create(p)!).ToArray()),
            ["modules_to_save"] = new JsonArray(modulesToSave.Select(m => (JsonNode)JsonValue.Create(m)!).ToArray()),
            ["inference_mode"] = true,
        };
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, AdapterFiles.ConfigFileName), json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    /// <summary>Reads the options, the adapted module paths and the base model back.</summary>
    /// <exception cref="PeftException">Missing file, another peft_type, or a missing/ill-typed field (named).</exception>
    public static (BottleneckOptions Options, IReadOnlyList<string> TargetModules, string? BaseModel) Load(string dir)
    {
        var path = Path.Combine(dir, AdapterFiles.ConfigFileName);
        var json = AdapterFiles.ReadConfig(dir);
        var peftType = Read(path, json, "peft_type", n => n.GetValue<string>());
        if (peftType != PeftType) throw new PeftException($"{path}: peft_type is \"{peftType}\", not a bottleneck adapter (\"{PeftType}\").");
        var options = new BottleneckOptions
        {
            Variant = BottleneckOptions.ParseVariant(Read(path, json, "adapter_variant", n => n.GetValue<string>())),
            ReductionFactor = Read(path, json, "reduction_factor", n => n.GetValue<int>()),
            NonLinearity = Read(path, json, "non_linearity", n => n.GetValue<string>()),
            ModulesToSave = Read(path, json, "modules_to_save", n => n.AsArray().Select(m => m!.GetValue<string>()).ToList()),
        };
        options.Validate();
        var targets = Read(path, json, "target_modules", n => n.AsArray().Select(m => m!.GetValue<string>()).ToList());
        var baseModel = json["base_model_name_or_path"] is JsonValue v ? v.GetValue<string>() : null;
        return (options, targets, baseModel);
    }

    private static T Read<T>(string path, JsonObject json, string field, Func<JsonNode, T> read)
    {
        var node = json[field] ?? throw new PeftException($"{path}: {field} is missing.");
        try { return read(node); }
        catch (Exception e) when (e is InvalidOperationException or FormatException or NullReferenceException)
        { throw new PeftException($"{path}: {field} has the wrong type ({node.ToJsonString()})."); }
    }
}
