using static TorchSharp.torch;

namespace TuneSharp.Peft.Lora;

/// <summary>
/// A LoRA <c>adapter_model.safetensors</c> with PEFT's key names: <c>base_model.model.&lt;path&gt;.lora_A.weight</c> /
/// <c>.lora_B.weight</c> (the adapter name is not saved), and each modules_to_save tensor under its original path,
/// <c>base_model.model.classifier.weight</c> (PEFT saves <c>classifier.modules_to_save.default.weight</c> with
/// "modules_to_save." and ".default" removed).
/// </summary>
public static class AdapterWeights
{
    /// <summary>The file name PEFT uses.</summary>
    public const string FileName = AdapterFiles.WeightsFileName;

    /// <summary>Prefix PEFT's PeftModel → LoraModel → base model nesting gives every key.</summary>
    public const string KeyPrefix = "base_model.model.";

    /// <summary>The tensors that go into the file, by PEFT key (views of the live parameters).</summary>
    public static Dictionary<string, Tensor> StateDict(LoraModel lora) =>
        TrainedParameters.StateDict(lora.Model, KeyPrefix, LoraModel.IsLoraParameter, lora.ModulesToSave);

    /// <summary>Writes the adapter tensors into <paramref name="dir"/>.</summary>
    public static void Save(string dir, LoraModel lora) => AdapterFiles.SaveTensors(dir, StateDict(lora));

    /// <summary>Copies the file's tensors into the adapter and head parameters; every one must be present with its shape.</summary>
    /// <exception cref="PeftException">The file is missing, has a key the model lacks, lacks a key, or a shape differs.</exception>
    public static void LoadInto(string dir, LoraModel lora) => AdapterFiles.LoadTensorsInto(dir, StateDict(lora));
}
