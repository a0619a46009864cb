using TuneSharp.Checkpoints;
using static TorchSharp.torch;

namespace TuneSharp.Peft.Lora;

/// <summary>
/// <c>adapter_model.safetensors</c> with PEFT's key names: <c>base_model.model.&lt;path&gt;.lora_A.weight</c> /
/// <c>.lora_B.weight</c> (the adapter name is not saved), and each modules_to_save tensor under its original path,
/// <c>base_model.model.classifier.weight</c> (PEFT saves <c>classifier.modules_to_save.default.weight</c> with
/// "modules_to_save." and ".default" removed).
/// </summary>
public static class AdapterWeights
{
    /// <summary>The file name PEFT uses.</summary>
    public const string FileName = "adapter_model.safetensors";

    /// <summary>Prefix PEFT's PeftModel → LoraModel → base model nesting gives every key.</summary>
    public const string KeyPrefix = "base_model.model.";

    /// <summary>The tensors that go into the file, by PEFT key (views of the live parameters).</summary>
    public static Dictionary<string, Tensor> StateDict(LoraModel lora)
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, parameter) in lora.Model.named_parameters())
            if (LoraModel.IsLoraParameter(name) || lora.ModulesToSave.Any(s => PeftLayout.IsUnder(name, s)))
                result[KeyPrefix + name] = parameter;
        return result;
    }

    /// <summary>Writes the adapter tensors into <paramref name="dir"/>.</summary>
    public static void Save(string dir, LoraModel lora)
    {
        Directory.CreateDirectory(dir);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var tensors = StateDict(lora).ToDictionary(kv => kv.Key, kv => kv.Value.detach().cpu().contiguous());
        SafeTensors.Save(Path.Combine(dir, FileName), tensors, new Dictionary<string, string> { ["format"] = "pt" });
    }

    /// <summary>Copies the file's tensors into the adapter and head parameters; every one must be present with its shape.</summary>
    /// <exception cref="PeftException">The file is missing, has a key the model lacks, lacks a key, or a shape differs.</exception>
    public static void LoadInto(string dir, LoraModel lora)
    {
        var path = Path.Combine(dir, FileName);
        if (!File.Exists(path)) throw new PeftException($"{dir} has no {FileName} (PEFT adapters saved as adapter_model.bin are not supported).");
        var expected = StateDict(lora);
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
