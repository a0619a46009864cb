using TuneSharp.Architectures;
using TuneSharp.Checkpoints;
using TuneSharp.Models;
using static TorchSharp.torch;

namespace TuneSharp.Training;

/// <summary>Reloads weights a task saved (module.state_dict() names) into the same module, in place.</summary>
public static class ModuleWeights
{
    /// <summary>
    /// Copies the safetensors weights of <paramref name="dir"/> into <paramref name="module"/> (same parameter objects,
    /// so optimizer references stay valid). Every model tensor must be present with the same shape.
    /// </summary>
    /// <param name="module">The model.</param>
    /// <param name="dir">A folder its task saved.</param>
    /// <param name="transposedWeights">The architecture's <see cref="ModelArchitecture.TransposedWeights"/>: weights the
    /// folder stores [in, out] because it is written in transformers' layout.</param>
    /// <exception cref="TrainingException">A model tensor is missing from the folder.</exception>
    public static void LoadInto(nn.Module module, string dir, IReadOnlyList<string>? transposedWeights = null)
    {
        var weights = ModelWeights.Load(dir, transposedWeights: transposedWeights);
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

    /// <summary>
    /// <see cref="LoadInto(nn.Module, string, IReadOnlyList{string}?)"/> for a task model: checkpoints and best-model folders
    /// are saved with <c>SavePretrained</c>, in transformers' layout, so the registration's transposed weights turn back.
    /// </summary>
    public static void LoadInto(ITaskModel model, string dir)
    {
        ArgumentNullException.ThrowIfNull(model);
        LoadInto(model.Module, dir, ModelArchitectures.Find(model.Config.ModelType)?.TransposedWeights);
    }
}
