using System.Text.Json;
using System.Text.Json.Nodes;
using TuneSharp.Checkpoints;
using static TorchSharp.torch;

namespace TuneSharp.Peft;

/// <summary>
/// The two files of an adapter folder, shared by every adapter method: <c>adapter_config.json</c> (its
/// <c>peft_type</c> says which method wrote it) and <c>adapter_model.safetensors</c> (only the trained tensors).
/// </summary>
public static class AdapterFiles
{
    /// <summary>The config file name PEFT uses.</summary>
    public const string ConfigFileName = "adapter_config.json";

    /// <summary>The weights file name PEFT uses.</summary>
    public const string WeightsFileName = "adapter_model.safetensors";

    /// <summary>True when <paramref name="dir"/> holds an adapter rather than full weights.</summary>
    public static bool IsAdapterFolder(string dir) => File.Exists(Path.Combine(dir, ConfigFileName));

    /// <summary>Reads adapter_config.json as a JSON object.</summary>
    /// <exception cref="PeftException">The file is missing or is not a JSON object.</exception>
    public static JsonObject ReadConfig(string dir)
    {
        var path = Path.Combine(dir, ConfigFileName);
        if (!File.Exists(path)) throw new PeftException($"{dir} is not a PEFT adapter folder: {ConfigFileName} is missing.");
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new PeftException($"{path}: expected a JSON object.");
        }
        catch (JsonException e)
        {
            throw new PeftException($"{path} is not valid JSON: {e.Message}");
        }
    }

    /// <summary>The <c>peft_type</c> of the adapter in <paramref name="dir"/> ("LORA", "PROMPT_TUNING", "BOTTLENECK").</summary>
    /// <exception cref="PeftException">The file is missing, not JSON, or has no peft_type string.</exception>
    public static string ReadPeftType(string dir)
    {
        var json = ReadConfig(dir);
        try
        {
            return json["peft_type"]?.GetValue<string>()
                ?? throw new PeftException($"{Path.Combine(dir, ConfigFileName)}: peft_type is missing.");
        }
        catch (InvalidOperationException)
        {
            throw new PeftException($"{Path.Combine(dir, ConfigFileName)}: peft_type must be a string, not {json["peft_type"]!.ToJsonString()}.");
        }
    }

    /// <summary>Writes <paramref name="tensors"/> (detached CPU copies are taken) to adapter_model.safetensors.</summary>
    public static void SaveTensors(string dir, IReadOnlyDictionary<string, Tensor> tensors)
    {
        Directory.CreateDirectory(dir);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var copies = tensors.ToDictionary(kv => kv.Key, kv => kv.Value.detach().cpu().contiguous());
        SafeTensors.Save(Path.Combine(dir, WeightsFileName), copies, new Dictionary<string, string> { ["format"] = "pt" });
    }

    /// <summary>
    /// Copies adapter_model.safetensors into the live tensors of <paramref name="expected"/> (by key); the file must
    /// hold exactly those keys, with the same shapes.
    /// </summary>
    /// <exception cref="PeftException">The file is missing, has a key the model lacks, lacks a key, or a shape differs.</exception>
    public static void LoadTensorsInto(string dir, IReadOnlyDictionary<string, Tensor> expected)
    {
        var path = Path.Combine(dir, WeightsFileName);
        if (!File.Exists(path)) throw new PeftException($"{dir} has no {WeightsFileName} (PEFT adapters saved as adapter_model.bin are not supported).");
        var loaded = SafeTensors.Load(path);
        try
        {
            var unknown = loaded.Keys.Where(k => !expected.ContainsKey(k)).ToList();
            if (unknown.Count > 0)
                throw new PeftException($"{path} holds tensors this model does not have (an adapter for another base model?): {string.Join(", ", unknown.Take(5))}.");
            var missing = expected.Keys.Where(k => !loaded.ContainsKey(k)).ToList();
            if (missing.Count > 0)
                throw new PeftException($"{path} lacks tensors the adapter needs: {string.Join(", ", missing.Take(5))}.");
            using var noGrad = no_grad();
            foreach (var (key, target) in expected)
            {
                var source = loaded[key];
                if (!source.shape.SequenceEqual(target.shape))
                    throw new PeftException($"{path}: '{key}' has shape [{string.Join(", ", source.shape)}] but the model expects [{string.Join(", ", target.shape)}] (an adapter for another base model or label count?).");
                target.copy_(source);
            }
        }
        finally
        {
            foreach (var t in loaded.Values) t.Dispose();
        }
    }
}
