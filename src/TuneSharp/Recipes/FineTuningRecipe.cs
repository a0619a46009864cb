using System.Globalization;
using TuneSharp.Data;
using TuneSharp.Models;
using TuneSharp.Peft;
using TuneSharp.Planning;
using TuneSharp.Tasks.TextClassification;
using TuneSharp.Tokenization;
using TuneSharp.Training;
using static TorchSharp.torch;

namespace TuneSharp.Recipes;

/// <summary>
/// The one fine-tuning recipe, for every task (what the CLI's <c>train</c> and <c>plan</c> run): check the options and
/// the model folder, open the output folder, read the data, seed, load the task model, apply the fine-tuning method,
/// set threads, plan resources and refuse what cannot fit, train with the <see cref="Trainer"/>, evaluate on the
/// validation and test data and write Hugging Face-style outputs. A <see cref="FineTuningTask"/> supplies the data,
/// the model's head, the training task and the test metrics.
/// </summary>
public static class FineTuningRecipe
{
    /// <summary>Runs the job. <paramref name="report"/> receives human-readable lines (data summary, plan, warnings).</summary>
    /// <exception cref="TrainingException">The resource check is on and the run would not fit in this machine's memory.</exception>
    public static FineTuningRunResult Run(FineTuningTask task, ITrainerCallback callback, Action<string> report, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(task);
        TorchRuntime.EnsureLoaded();
        var tokenizer = Preflight(task);
        var options = task.Options;
        // Before the data and the model: a folder this run cannot use is refused at once (see RunOutputFolder).
        using var output = RunOutputFolder.Open(options.Args, Identity(task), report);
        var run = Prepare(task, tokenizer, report);
        var plan = PlanFor(run, options);
        foreach (var line in plan.Describe()) report(line);
        if (options.CheckResources && plan.Verdict == MemoryVerdict.DoesNotFit)
            throw new TrainingException($"This run needs about {ResourcePlan.Bytes(plan.PeakBytes)} of memory at its peak, more than this " +
                $"machine's {ResourcePlan.Bytes(plan.Machine.TotalMemoryBytes)}; it would swap or be killed. " +
                (plan.Advice.Count > 0 ? "Try one of: " + string.Join("; ", plan.Advice) + ". " : "") +
                "Set no_resource_check to start anyway.");

        var args = options.Args;
        var result = new Trainer(run.TrainingTask, args, callback).Train(output, ct);
        // The validation set is never empty (loading or splitting refuses that), so the trainer's final evaluation is it.
        IReadOnlyDictionary<string, double>? testMetrics = null;
        if (!result.Cancelled && task.EvaluateTest(ct) is { } test)
        {
            testMetrics = test;
            ResultFiles.Write(args.OutputDir, ResultFiles.TestResults, testMetrics);
            ResultFiles.Merge(args.OutputDir, ResultFiles.AllResults, testMetrics);
        }
        return new FineTuningRunResult(result, result.EvalMetrics, testMetrics, args.OutputDir, plan);
    }

    /// <summary>
    /// Everything <see cref="Run"/> does before training (data, model, PEFT, tokenisation), then the resource plan:
    /// "can I do this on my PC?" answered without training. Writes nothing. Refuses what <see cref="Run"/> would refuse
    /// (including an output folder it could not use).
    /// </summary>
    public static ResourcePlan Plan(FineTuningTask task, Action<string> report)
    {
        ArgumentNullException.ThrowIfNull(task);
        var tokenizer = Preflight(task);
        // The plan is of the run train would start: a run train refuses (its output folder, its checkpoint) is refused here too.
        if (RunOutputFolder.Problem(task.Options.Args, Identity(task)) is { } problem) throw new TrainingException(problem);
        return PlanFor(Prepare(task, tokenizer, report), task.Options);
    }

    /// <summary>
    /// The settings that make this run the run it is (task, model, data, task settings, method), saved with its
    /// checkpoints so a resume continues only this run's. Files are named by content (<see cref="RunIdentity.FileFingerprint"/>):
    /// a moved folder still matches, an edited data file does not.
    /// </summary>
    public static RunIdentity Identity(FineTuningTask task)
    {
        var o = task.Options;
        var shared = new (string, string?)[]
        {
            ("task", task.Name),
            ("model", RunIdentity.ModelFingerprint(o.ModelDir)),
            ("train", RunIdentity.FileFingerprint(o.TrainPath)),
            ("validation", o.ValidationPath is null ? $"held out: validation_split {o.ValidationSplit.ToString("R", CultureInfo.InvariantCulture)}" : RunIdentity.FileFingerprint(o.ValidationPath)),
            ("on_bad_row", o.OnBadRow.ToString().ToLowerInvariant()),
            ("max_train_samples", o.MaxTrainSamples?.ToString(CultureInfo.InvariantCulture)),
            ("max_eval_samples", o.MaxEvalSamples?.ToString(CultureInfo.InvariantCulture)),
            ("method", System.Text.Json.JsonSerializer.Serialize(o.Peft.Method == PeftMethod.Full ? (object)o.Peft.Method.ToString() : o.Peft)),
        };
        return RunIdentity.Of([.. shared, .. task.IdentityFields()]);
    }

    /// <summary>
    /// The checks that cost nothing, before the data is read or the model loaded: the options themselves, the task's, the
    /// model folder (config.json, weight headers, tokenizer), max_length against the model's positions, and that the run
    /// does not write into its own model folder. Returns the tokenizer it loaded, so nothing is read twice.
    /// </summary>
    private static TextTokenizer Preflight(FineTuningTask task)
    {
        var options = task.Options;
        var args = options.Args;
        args.Validate();
        options.Peft.Validate();
        if (options.MaxTrainSamples is < 1) throw new TuneSharpException($"max_train_samples must be at least 1, got {options.MaxTrainSamples}.") { Setting = "max_train_samples" };
        if (options.MaxEvalSamples is < 1) throw new TuneSharpException($"max_eval_samples must be at least 1, got {options.MaxEvalSamples}.") { Setting = "max_eval_samples" };
        if (!(options.ValidationSplit > 0 && options.ValidationSplit < 1) && options.ValidationPath is null)
            throw new TuneSharpException($"validation_split must be between 0 and 1 (exclusive), got {options.ValidationSplit.ToString(CultureInfo.InvariantCulture)}.") { Setting = "validation_split" };
        if (FolderPaths.Same(options.ModelDir, args.OutputDir))
            throw new TuneSharpException($"output_dir '{args.OutputDir}' is the model folder itself; choose another folder for the fine-tuned model.");
        task.CheckOptions();
        var config = PretrainedConfig.Load(options.ModelDir);
        Checkpoints.ModelWeights.ReadInfos(options.ModelDir); // headers only: a folder without weights fails here, not after the data
        var extra = options.Peft.Method == PeftMethod.PromptTuning ? options.Peft.PromptTuning.NumVirtualTokens : 0;
        if (args.MaxLength + (long)extra > config.MaxPositions)
            throw new TuneSharpException(
                $"max_length {args.MaxLength}{(extra > 0 ? $" plus {extra} virtual tokens" : "")} exceeds the {config.MaxPositions} positions of the model " +
                $"(max_position_embeddings in {Path.Combine(options.ModelDir, PretrainedConfig.FileName)}); use a max_length of at most {config.MaxPositions - extra}.")
            { Setting = "max_length" };
        return TextTokenizer.FromPretrained(options.ModelDir);
    }

    /// <summary>
    /// A run made ready to train: the PEFT adapter (if any), the model the task trains, what the trainer runs (the task,
    /// or the adapter's wrapper of it) and the training examples' token counts.
    /// </summary>
    private sealed record PreparedRun(IPeftAdapter? Adapter, ITaskModel Model, ITrainingTask TrainingTask, IReadOnlyList<int> TrainLengths);

    private static PreparedRun Prepare(FineTuningTask task, TextTokenizer tokenizer, Action<string> report)
    {
        var options = task.Options;
        var args = options.Args;
        var trainCount = task.LoadData(report);
        args.ValidateForSteps(TrainingPlan.For(args, trainCount).TotalSteps); // warmup must fit: known once the data is counted

        manual_seed(args.Seed); // the new head's initialisation and dropout follow the seed
        var model = task.LoadModel(report);
        if (tokenizer.SpecialTokens.PadId is null && tokenizer.SpecialTokens.Eos is { } eos)
        {
            tokenizer.SetPadToken(eos); // decoders ship without a pad token; padding is masked out anyway
            report($"The tokenizer has no pad token; padding with its EOS token '{eos}'.");
        }

        // Freeze / BitFit set requires_grad; adapter methods (LoRA, bottleneck adapters, prompt tuning) save only the adapter.
        var (adapted, adapter) = PeftSetup.Apply(model, options.Peft, Path.GetFullPath(options.ModelDir), tokenizer);
        if (adapter is not null) report(adapter.Describe());
        adapted.GradientCheckpointing = args.GradientCheckpointing;
        report(PeftSummary.Describe(model.Module));
        Inference.TorchThreads.ConfigureFor(PeftSummary.Count(model.Module).All);

        var trainingTask = task.CreateTrainingTask(adapted, tokenizer, out var trainLengths, report);
        if (adapter is not null)
            trainingTask = new PeftTrainingTask(trainingTask, adapter, dir =>
            {
                TokenizerFiles.Copy(tokenizer, options.ModelDir, dir);
                model.Config.Save(dir); // labels (and problem type), so predict/evaluate can open the adapter folder alone
                task.WriteAdapterFiles(dir);
            });
        return new PreparedRun(adapter, model, trainingTask, trainLengths);
    }

    private static ResourcePlan PlanFor(PreparedRun run, FineTuningRunOptions options) =>
        ResourcePlanner.Plan(new ResourcePlanInputs
        {
            Model = run.Model.Module,
            Config = run.Model.Config,
            Args = options.Args,
            Task = run.TrainingTask,
            TrainLengths = run.TrainLengths,
            CheckpointsHoldOnlyTrainable = run.TrainingTask is PeftTrainingTask,
            ExtraPositions = run.Adapter is Peft.PromptTuning.PromptTuningModel prompt ? prompt.Options.NumVirtualTokens : 0,
            Machine = options.Machine,
        });
}
