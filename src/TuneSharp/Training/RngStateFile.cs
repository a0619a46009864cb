using TuneSharp.Checkpoints;
using static TorchSharp.torch;

namespace TuneSharp.Training;

/// <summary>
/// rng_state.safetensors in a checkpoint: torch's default CPU generator state ("cpu", uint8), so that a resumed run
/// draws the same dropout masks as an uninterrupted one (HF saves the same generator in rng_state.pth).
/// </summary>
public static class RngStateFile
{
    public const string FileName = "rng_state.safetensors";
    private const string CpuKey = "cpu";

    /// <summary>Writes the current CPU generator state into <paramref name="dir"/>.</summary>
    public static void Save(string dir)
    {
        using var state = random.get_rng_state();
        SafeTensors.Save(Path.Combine(dir, FileName), new Dictionary<string, Tensor> { [CpuKey] = state });
    }

    /// <summary>Restores the CPU generator state saved by <see cref="Save"/>.</summary>
    /// <exception cref="TrainingException">The file lacks the "cpu" state.</exception>
    public static void Load(string dir)
    {
        var path = Path.Combine(dir, FileName);
        var tensors = SafeTensors.Load(path);
        try
        {
            if (!tensors.TryGetValue(CpuKey, out var state) || state.dtype != ScalarType.Byte)
                throw new TrainingException($"{path} has no uint8 tensor \"{CpuKey}\" (the CPU random generator state).");
            random.set_rng_state(state);
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }
}
