using TuneSharp.Training;

namespace TuneSharp.Recipes;

/// <summary>
/// The one set of training-argument defaults of the fine-tuning recipe, which the CLI and C# callers share. Where they
/// differ from transformers' <c>TrainingArguments</c> it is for a run that is watched and kept: evaluate and save every
/// epoch (keeping the last two checkpoints), batches of 32 (64 for evaluation), similar lengths batched together.
/// </summary>
public static class FineTuningDefaults
{
    /// <summary>The settings the recipe changes from transformers' defaults, by TrainingArguments key.</summary>
    public static IReadOnlyDictionary<string, object?> Settings { get; } = new Dictionary<string, object?>
    {
        ["eval_strategy"] = "epoch",
        ["save_strategy"] = "epoch",
        ["save_total_limit"] = 2,
        ["per_device_train_batch_size"] = 32,
        ["per_device_eval_batch_size"] = 64,
        ["group_by_length"] = true,
    };

    /// <summary>Training arguments with the recipe's defaults, writing to <paramref name="outputDir"/>; change others with <c>with</c>.</summary>
    public static TrainingArguments Arguments(string outputDir)
    {
        var values = new System.Text.Json.Nodes.JsonObject();
        foreach (var (key, value) in Settings) values[key] = System.Text.Json.JsonSerializer.SerializeToNode(value);
        return TrainingArgumentsFile.Build(values, new Dictionary<string, object?> { ["output_dir"] = outputDir }, "FineTuningDefaults");
    }
}
