using static TorchSharp.torch;

namespace TuneSharp.Peft;

/// <summary>
/// What an adapter method trains and saves: its own parameters (recognised by name) plus every parameter under a
/// module to save (by default the classification head). The one place LoRA, bottleneck adapters and prompt tuning
/// decide requires_grad and the tensors of adapter_model.safetensors.
/// </summary>
internal static class TrainedParameters
{
    /// <summary>True when <paramref name="name"/> is the module <paramref name="modulesToSave"/> names or inside one.</summary>
    public static bool IsUnderModuleToSave(string name, IReadOnlyList<string> modulesToSave) =>
        modulesToSave.Any(s => PeftLayout.IsUnder(name, s));

    /// <summary>Refuses modules_to_save entries that are not modules of <paramref name="model"/>.</summary>
    /// <exception cref="PeftException">A named module does not exist (an adapter for another architecture?).</exception>
    public static void RequireModules(nn.Module model, IReadOnlyList<string> modulesToSave)
    {
        var names = model.named_modules().Select(m => m.name).ToHashSet();
        foreach (var name in modulesToSave)
            if (!names.Contains(name))
                throw new PeftException($"modules_to_save names \"{name}\", which is not a module of this model (an adapter for another architecture?).");
    }

    /// <summary>Freezes every parameter except the adapter's own and those under the modules to save.</summary>
    public static void FreezeAllBut(nn.Module model, Func<string, bool> isAdapterParameter, IReadOnlyList<string> modulesToSave)
    {
        foreach (var (name, parameter) in model.named_parameters())
            parameter.requires_grad = isAdapterParameter(name) || IsUnderModuleToSave(name, modulesToSave);
    }

    /// <summary>
    /// The adapter's parameters and those under the modules to save, keyed <paramref name="keyPrefix"/> + parameter
    /// name (views of the live parameters).
    /// </summary>
    public static Dictionary<string, Tensor> StateDict(nn.Module model, string keyPrefix, Func<string, bool> isAdapterParameter,
        IReadOnlyList<string> modulesToSave)
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, parameter) in model.named_parameters())
            if (isAdapterParameter(name) || IsUnderModuleToSave(name, modulesToSave))
                result[keyPrefix + name] = parameter;
        return result;
    }
}
