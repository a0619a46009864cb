using TuneSharp.Checkpoints;
using static TorchSharp.torch;

namespace TuneSharp.Training;

/// <summary>Reloads weights a task saved (module.state_dict() names) into the same module, in place.</summary>
public static class ModuleWeights
{
    /// <summary>
    /// Copies the safetensors weights of <paramref name="dir"/> into <paramref name="module"/> (same parameter objects,
    /// so optimizer references stay valid). Every model tensor must be present with the same shape.
    /// </summary>
    /// <exception cref="TrainingException">A model tensor is missing from the folder.</exception>
    public static void LoadInto(nn.Module module, string dir)
    {
        var weights = ModelWeights.Load(dir);
        try
        {
            var report = StateDictLoader.LoadInto(module, weights);
            if (report.MissingKeys.Count > 0)
                throw new TrainingException($"{dir} does not hold every weight of the model; missing: {string.Join(", ", report.MissingKeys.Take(10))}.");
        }
        finally
        {
            foreach (var t in weights.Values) t.Dispose();
        }
    }
}
