using System.Text.Json.Nodes;
using TuneSharp.Models;
using TuneSharp.Peft;

namespace TuneSharp.Tasks;

/// <summary>Which task a trained model folder was fine-tuned for, from its files alone (before loading it).</summary>
public static class TrainedModelTask
{
    /// <summary>
    /// The task the folder says it was trained for (an adapter's <c>task_type</c>, config.json's architectures), or null
    /// when it says none (a base model, or a folder without config.json).
    /// </summary>
    public static ModelTask? TryDetect(string modelDir)
    {
        if (PeftClassifierLoader.IsAdapterFolder(modelDir)
            && AdapterFiles.ReadConfig(modelDir)["task_type"] is JsonValue value && value.TryGetValue<string>(out var taskType)
            && ModelTasks.FromPeftTaskType(taskType) is { } fromAdapter)
            return fromAdapter;
        if (!File.Exists(Path.Combine(modelDir, PretrainedConfig.FileName))) return null;
        var architectures = PretrainedConfig.Load(modelDir).Architectures ?? [];
        // By the suffix, or by a registered class name that breaks the pattern (GPT-2's GPT2LMHeadModel).
        foreach (var task in Enum.GetValues<ModelTask>())
            if (architectures.Any(a => a.EndsWith(task.ClassSuffix(), StringComparison.Ordinal)
                                       || Architectures.ModelArchitectures.All.Any(r => r.Heads.ContainsKey(task) && r.ClassName(task) == a)))
                return task;
        return null;
    }
}
