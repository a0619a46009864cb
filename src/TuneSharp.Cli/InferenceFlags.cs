using System.CommandLine;

namespace TuneSharp.Cli;

/// <summary>The flags <c>evaluate</c> and <c>predict</c> share, checked before the model is loaded.</summary>
internal sealed class InferenceFlags
{
    public Option<string> Model { get; } = new("--model") { Description = "Trained model folder (a full model or an adapter folder) or hub id", Required = true };
    public Option<int> BatchSize { get; } = new("--batch-size") { DefaultValueFactory = _ => 64, Description = "Examples per forward pass" };
    public Option<int?> MaxLength { get; } = new("--max-length") { Description = "Truncation length (default: the model's, at most 512)" };
    public Option<bool> Bf16 { get; } = new("--bf16") { Description = "Run the model in bfloat16 (weights converted on load; logits and scores stay float32)" };
    public Option<string?> Task { get; } = CreateTask();

    public Option<bool> AllowUntrainedHead { get; } = new("--allow-untrained-head")
    {
        Description = "Run a model whose classification head was never trained (a base model: its outputs are random) instead of refusing",
    };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Model, Task, BatchSize, MaxLength, Bf16, AllowUntrainedHead }) command.Options.Add(option);
    }

    private static Option<string?> CreateTask()
    {
        var option = new Option<string?>("--task") { Description = "text-classification | token-classification | question-answering (default: what the model folder says it was trained for)" };
        option.AcceptOnlyFromAmong([.. new[] { Models.ModelTask.SequenceClassification, Models.ModelTask.TokenClassification, Models.ModelTask.QuestionAnswering }
            .Select(Models.ModelTasks.TaskName)]);
        return option;
    }

    /// <summary>
    /// The model's task: --task when given, checked against what the folder says (an adapter's task_type, config.json's
    /// architectures); else the folder's; else (a base model that says nothing) text classification.
    /// </summary>
    public Models.ModelTask TaskOf(ParseResult parse, string modelDir)
    {
        var detected = Tasks.TrainedModelTask.TryDetect(modelDir);
        if (parse.GetValue(Task) is not { } name) return detected ?? Models.ModelTask.SequenceClassification;
        var requested = Models.ModelTasks.FromTaskName(name)!.Value;
        if (detected is { } folder && folder != requested)
            throw new TuneSharpException($"{modelDir} holds a {Models.ModelTasks.TaskName(folder)} model (its config.json or adapter_config.json says so), not --task {name}.") { Setting = "task" };
        return requested;
    }

    /// <summary>Checks what needs no model: the batch size (the maximum length is checked against the model's positions on load).</summary>
    public void Validate(ParseResult parse)
    {
        var batch = parse.GetValue(BatchSize);
        if (batch < 1) throw new TuneSharpException($"--batch-size must be at least 1, got {batch}.") { Setting = "batch_size" };
        if (parse.GetValue(MaxLength) is < 1 and var length)
            throw new TuneSharpException($"--max-length must be at least 1, got {length}.") { Setting = "max_length" };
    }

    public TorchSharp.torch.ScalarType? DType(ParseResult parse) => parse.GetValue(Bf16) ? TorchSharp.torch.ScalarType.BFloat16 : null;
}
