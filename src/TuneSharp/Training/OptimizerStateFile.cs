using TorchSharp.Modules;
using TuneSharp.Checkpoints;
using static TorchSharp.torch;

namespace TuneSharp.Training;

/// <summary>
/// Saves AdamW's moments as optimizer.safetensors in a checkpoint: "exp_avg.NAME", "exp_avg_sq.NAME" and
/// "step.NAME" (int64 scalar) per trainable parameter, so a checkpoint is a complete picture of the run.
/// </summary>
public static class OptimizerStateFile
{
    public const string FileName = "optimizer.safetensors";

    public static void Save(string dir, AdamW optimizer, IReadOnlyList<NamedParameter> trainable)
    {
        var state = optimizer.state_dict();
        // state_dict lists states in parameter-group order; map them back to parameters by the same order.
        var ordered = optimizer.ParamGroups.Cast<ParamGroup>().SelectMany(g => g.Parameters).ToList();
        var names = trainable.ToDictionary(p => p.Parameter.Handle, p => p.Name);
        var tensors = new Dictionary<string, Tensor>();
        try
        {
            for (int i = 0; i < ordered.Count && i < state.State.Count; i++)
            {
                if (state.State[i] is not AdamW.State s || !names.TryGetValue(ordered[i].Handle, out var name)) continue;
                tensors[$"exp_avg.{name}"] = s.exp_avg.detach().cpu();
                tensors[$"exp_avg_sq.{name}"] = s.exp_avg_sq.detach().cpu();
                tensors[$"step.{name}"] = tensor(s.step);
            }
            SafeTensors.Save(Path.Combine(dir, FileName), tensors);
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }
}
