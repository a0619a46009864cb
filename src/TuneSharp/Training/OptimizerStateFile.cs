using TorchSharp.Modules;
using TuneSharp.Checkpoints;
using static TorchSharp.torch;

namespace TuneSharp.Training;

/// <summary>
/// AdamW's state as optimizer.safetensors in a checkpoint: "exp_avg.NAME", "exp_avg_sq.NAME" and "step.NAME"
/// (int64 scalar) per trainable parameter, matched by parameter name when loaded. Together with the step (which fixes
/// the learning rate) this is everything AdamW needs to continue exactly.
/// </summary>
public static class OptimizerStateFile
{
    public const string FileName = "optimizer.safetensors";
    private const string ExpAvg = "exp_avg.", ExpAvgSq = "exp_avg_sq.", Step = "step.";

    /// <summary>Writes the moments and step counts of every trainable parameter into <paramref name="dir"/>.</summary>
    public static void Save(string dir, AdamW optimizer, IReadOnlyList<NamedParameter> trainable)
    {
        var tensors = new Dictionary<string, Tensor>();
        try
        {
            foreach (var (name, s) in StatesByName(optimizer, trainable))
            {
                tensors[ExpAvg + name] = s.exp_avg.detach().cpu();
                tensors[ExpAvgSq + name] = s.exp_avg_sq.detach().cpu();
                tensors[Step + name] = tensor(s.step);
            }
            SafeTensors.Save(Path.Combine(dir, FileName), tensors);
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    /// <summary>
    /// Loads the state saved by <see cref="Save"/> into <paramref name="optimizer"/> (created over
    /// <paramref name="trainable"/>, not yet stepped). Every trainable parameter must have its state in the file with
    /// its own shape, and the file must hold no other parameter.
    /// </summary>
    /// <exception cref="TrainingException">The file is missing, or names or shapes do not match the model (the message names the parameters).</exception>
    public static void Load(string dir, AdamW optimizer, IReadOnlyList<NamedParameter> trainable)
    {
        var path = Path.Combine(dir, FileName);
        if (!File.Exists(path)) throw new TrainingException($"Cannot resume: {dir} has no {FileName} (the optimizer state).");
        var saved = SafeTensors.Load(path);
        try
        {
            var states = StatesByName(optimizer, trainable);
            CheckSameParameters(path, states.Select(s => s.Name).ToList(), saved.Keys);
            var shapes = trainable.ToDictionary(p => p.Name, p => p.Parameter.shape);
            using var _ = no_grad();
            foreach (var (name, s) in states)
            {
                var avg = saved[ExpAvg + name];
                var avgSq = saved[ExpAvgSq + name];
                var shape = shapes[name];
                if (!avg.shape.SequenceEqual(shape) || !avgSq.shape.SequenceEqual(shape))
                    throw new TrainingException(
                        $"{path}: the optimizer state of parameter '{name}' has shape [{string.Join(", ", avg.shape)}] but the model's parameter " +
                        $"has shape [{string.Join(", ", shape)}]; the checkpoint was saved from a different model.");
                s.exp_avg.copy_(avg);
                s.exp_avg_sq.copy_(avgSq);
                s.step = saved[Step + name].item<long>();
            }
        }
        finally
        {
            foreach (var t in saved.Values) t.Dispose();
        }
        AllocateGradients(trainable, optimizer);
    }

    /// <summary>
    /// An uninterrupted run keeps (zeroed) gradient tensors on every parameter that has been stepped, so AdamW keeps
    /// updating them (momentum, weight decay) even on steps whose batches do not reach them; a fresh model has none and
    /// AdamW would skip them. Giving stepped parameters a zero gradient makes the resumed run behave identically.
    /// </summary>
    private static void AllocateGradients(IReadOnlyList<NamedParameter> trainable, AdamW optimizer)
    {
        var stepped = StatesByName(optimizer, trainable).Where(s => s.State.step > 0).Select(s => s.Name).ToHashSet();
        foreach (var p in trainable)
        {
            if (!stepped.Contains(p.Name)) continue;
            using (var existing = p.Parameter.grad)
                if (existing is not null) continue;
            using var zero = p.Parameter.sum().mul(0);
            zero.backward();
        }
    }

    private static void CheckSameParameters(string path, IReadOnlyList<string> modelNames, IEnumerable<string> keys)
    {
        var keyList = keys.ToList();
        var inFile = keyList.Where(k => k.StartsWith(Step, StringComparison.Ordinal)).Select(k => k[Step.Length..]).ToHashSet();
        var missing = modelNames.Where(n => !inFile.Contains(n) || !keyList.Contains(ExpAvg + n) || !keyList.Contains(ExpAvgSq + n)).ToList();
        var extra = inFile.Except(modelNames).ToList();
        if (missing.Count == 0 && extra.Count == 0) return;
        var parts = new List<string>();
        if (missing.Count > 0) parts.Add($"no state for the model's trainable parameter(s) {Names(missing)}");
        if (extra.Count > 0) parts.Add($"state for parameter(s) the model does not train: {Names(extra)}");
        throw new TrainingException($"{path} does not match the model: {string.Join("; ", parts)}. The checkpoint was saved from a different model or with other trainable parameters.");
    }

    private static string Names(IReadOnlyList<string> names) =>
        string.Join(", ", names.Take(5).Select(n => $"'{n}'")) + (names.Count > 5 ? $" and {names.Count - 5} more" : "");

    /// <summary>The AdamW state of each trainable parameter, by name (state_dict lists states in parameter-group order).</summary>
    private static List<(string Name, AdamW.State State)> StatesByName(AdamW optimizer, IReadOnlyList<NamedParameter> trainable)
    {
        var names = trainable.ToDictionary(p => p.Parameter.Handle, p => p.Name);
        var result = new List<(string, AdamW.State)>();
        foreach (var (parameter, state, _) in AdamWStates.InGroupOrder(optimizer))
            if (state is not null && names.TryGetValue(parameter.Handle, out var name))
                result.Add((name, state));
        return result;
    }
}
