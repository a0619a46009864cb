using TuneSharp.Data;
using TuneSharp.Tasks.SequenceClassification;
using TuneSharp.Tasks.TextClassification;
using TuneSharp.Tokenization;
using TuneSharp.Training;
using static TorchSharp.torch;

namespace TuneSharp.Recipes;

/// <summary>
/// The whole text-classification job, as the CLI's <c>train</c> runs it: read and split the data, report class
/// balance, build the classifier on the pretrained encoder/decoder, train with the <see cref="Trainer"/>, evaluate
/// on validation (and test) data and write Hugging Face-style outputs.
/// </summary>
public static class TextClassificationFineTuning
{
    /// <summary>Runs the job. <paramref name="report"/> receives human-readable lines (data summary, plan, warnings).</summary>
    /// <exception cref="TrainingException">The resource check is on and the run would not fit in this machine's memory.</exception>
    public static TextClassificationRunResult Run(TextClassificationRunOptions options, ITrainerCallback callback,
        Action<string> report, CancellationToken ct = default)
    {
        TorchRuntime.EnsureLoaded();
        var checkedModel = Preflight(options);
        // Before the data and the model: a folder this run cannot use is refused at once (see RunOutputFolder).
        using var output = RunOutputFolder.Open(options.Args, Identity(options), report);
        var run = Prepare(options, checkedModel, report);
        var plan = PlanFor(run, options);
        foreach (var line in plan.Describe()) report(line);
        if (options.CheckResources && plan.Verdict == Planning.MemoryVerdict.DoesNotFit)
            throw new TrainingException($"This run needs about {Planning.ResourcePlan.Bytes(plan.PeakBytes)} of memory at its peak, more than this " +
                $"machine's {Planning.ResourcePlan.Bytes(plan.Machine.TotalMemoryBytes)}; it would swap or be killed. " +
                (plan.Advice.Count > 0 ? "Try one of: " + string.Join("; ", plan.Advice) + ". " : "") +
                "Use --no-resource-check to start anyway.");

        var args = options.Args;
        var trainer = new Trainer(run.TrainingTask, args, callback);
        var result = trainer.Train(output, ct);

        // The validation set is never empty (loading or splitting refuses that), so the trainer's final evaluation is it.
        var validationMetrics = result.EvalMetrics;
        IReadOnlyDictionary<string, double>? testMetrics = null;
        if (run.Test is not null && !result.Cancelled)
        {
            testMetrics = TextClassificationEvaluator.Evaluate(run.Task.Classifier, run.Tokenizer, run.Test, args.PerDeviceEvalBatchSize, args.MaxLength, ct)
                .ToDictionary("test_");
            ResultFiles.Write(args.OutputDir, ResultFiles.TestResults, testMetrics);
            ResultFiles.Merge(args.OutputDir, ResultFiles.AllResults, testMetrics);
        }
        return new TextClassificationRunResult(result, validationMetrics, testMetrics, args.OutputDir, plan);
    }

    /// <summary>
    /// Everything <see cref="Run"/> does before training (data, model, PEFT, tokenisation), then the resource plan:
    /// "can I do this on my PC?" answered without training. Writes nothing. Refuses what <see cref="Run"/> would refuse
    /// (including an output folder it could not use).
    /// </summary>
    public static Planning.ResourcePlan Plan(TextClassificationRunOptions options, Action<string> report)
    {
        var checkedModel = Preflight(options);
        // The plan is of the run train would start: a run train refuses (its output folder, its checkpoint) is refused here too.
        if (RunOutputFolder.Problem(options.Args, Identity(options)) is { } problem) throw new TrainingException(problem);
        return PlanFor(Prepare(options, checkedModel, report), options);
    }

    /// <summary>
    /// The settings that make this run the run it is (model, data, columns, labels, method), saved with its checkpoints
    /// so a resume continues only this run's. Files are named by content (<see cref="RunIdentity.FileFingerprint"/>): a moved
    /// folder still matches, an edited data file does not.
    /// </summary>
    public static RunIdentity Identity(TextClassificationRunOptions o) => RunIdentity.Of(
        ("task", "text-classification"),
        ("model", RunIdentity.ModelFingerprint(o.ModelDir)),
        ("train", RunIdentity.FileFingerprint(o.TrainPath)),
        ("validation", o.ValidationPath is null ? $"held out: validation_split {o.ValidationSplit.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}" : RunIdentity.FileFingerprint(o.ValidationPath)),
        ("text_column", o.TextColumn),
        ("text_pair_column", o.TextPairColumn),
        ("label_column", o.LabelColumn),
        ("problem_type", o.ProblemType.ToHfString()),
        ("label_separator", o.ProblemType == ProblemType.MultiLabelClassification ? o.LabelSeparator : null),
        ("on_bad_row", o.OnBadRow.ToString().ToLowerInvariant()),
        ("max_train_samples", o.MaxTrainSamples?.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("max_eval_samples", o.MaxEvalSamples?.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("method", System.Text.Json.JsonSerializer.Serialize(o.Peft.Method == TuneSharp.Peft.PeftMethod.Full ? (object)o.Peft.Method.ToString() : o.Peft)));

    /// <summary>What <see cref="Preflight"/> read of the model folder, reused so nothing is read twice.</summary>
    private sealed record CheckedModel(TextTokenizer Tokenizer);

    /// <summary>
    /// The checks that cost nothing, before the data is read or the model loaded: the options themselves, the model
    /// folder (config.json, weight headers, tokenizer), max_length against the model's positions, and that the run does
    /// not write into its own model folder.
    /// </summary>
    private static CheckedModel Preflight(TextClassificationRunOptions options)
    {
        var args = options.Args;
        args.Validate();
        options.Peft.Validate();
        if (options.MaxTrainSamples is < 1) throw new TuneSharpException($"max_train_samples must be at least 1, got {options.MaxTrainSamples}.") { Setting = "max_train_samples" };
        if (options.MaxEvalSamples is < 1) throw new TuneSharpException($"max_eval_samples must be at least 1, got {options.MaxEvalSamples}.") { Setting = "max_eval_samples" };
        if (!(options.ValidationSplit > 0 && options.ValidationSplit < 1) && options.ValidationPath is null)
            throw new TuneSharpException($"validation_split must be between 0 and 1 (exclusive), got {options.ValidationSplit.ToString(System.Globalization.CultureInfo.InvariantCulture)}.") { Setting = "validation_split" };
        if (FolderPaths.Same(options.ModelDir, args.OutputDir))
            throw new TuneSharpException($"output_dir '{args.OutputDir}' is the model folder itself; choose another folder for the fine-tuned model.");
        foreach (var path in new[] { options.TrainPath, options.ValidationPath, options.TestPath })
            if (path is not null) TabularReader.CheckPath(path, options.Format);
        var config = TuneSharp.Models.PretrainedConfig.Load(options.ModelDir);
        Checkpoints.ModelWeights.ReadInfos(options.ModelDir); // headers only: a folder without weights fails here, not after the data
        var extra = options.Peft.Method == TuneSharp.Peft.PeftMethod.PromptTuning ? options.Peft.PromptTuning.NumVirtualTokens : 0;
        if (args.MaxLength + (long)extra > config.MaxPositions)
            throw new TuneSharpException(
                $"max_length {args.MaxLength}{(extra > 0 ? $" plus {extra} virtual tokens" : "")} exceeds the {config.MaxPositions} positions of the model " +
                $"(max_position_embeddings in {Path.Combine(options.ModelDir, TuneSharp.Models.PretrainedConfig.FileName)}); use a max_length of at most {config.MaxPositions - extra}.")
            { Setting = "max_length" };
        var tokenizer = TextTokenizer.FromPretrained(options.ModelDir);
        return new CheckedModel(tokenizer);
    }

    private static Planning.ResourcePlan PlanFor(PreparedRun run, TextClassificationRunOptions options) =>
        Planning.ResourcePlanner.Plan(new Planning.ResourcePlanInputs
        {
            Model = run.Task.Model,
            Config = run.Task.Classifier.Config,
            Args = options.Args,
            Task = run.TrainingTask,
            TrainLengths = run.Task.TrainLengths,
            CheckpointsHoldOnlyTrainable = run.TrainingTask is TuneSharp.Peft.PeftTrainingTask,
            ExtraPositions = run.Adapter is TuneSharp.Peft.PromptTuning.PromptTuningModel prompt ? prompt.Options.NumVirtualTokens : 0,
            Machine = options.Machine,
        });

    /// <summary>
    /// A run made ready to train: the PEFT adapter (if any), the tokenizer, the task over the adapted classifier, what the
    /// trainer runs (the task, or the adapter's wrapper of it) and the test data.
    /// </summary>
    private sealed record PreparedRun(TuneSharp.Peft.IPeftAdapter? Adapter, TextTokenizer Tokenizer, TextClassificationTask Task,
        ITrainingTask TrainingTask, TextClassificationDataset? Test);

    private static PreparedRun Prepare(TextClassificationRunOptions options, CheckedModel checkedModel, Action<string> report)
    {
        var args = options.Args;
        var (train, validation, test) = LoadData(options, report);
        args.ValidateForSteps(TrainingPlan.For(args, train.Count).TotalSteps); // warmup must fit: known once the data is counted

        manual_seed(args.Seed); // the new head's initialisation and dropout follow the seed
        var labels = train.Labels;
        var (classifier, loadReport) = SequenceClassifierFactory.FromPretrained(options.ModelDir, new SequenceClassificationOptions
        {
            NumLabels = labels.Count,
            Id2Label = labels.Id2Label,
            Label2Id = labels.Label2Id,
            ProblemType = options.ProblemType,
            DType = options.DType,
            HiddenDropoutOverride = args.HiddenDropoutProb,
        });
        if (!loadReport.IsClean) report(loadReport.ToString());
        var tokenizer = checkedModel.Tokenizer;
        if (tokenizer.SpecialTokens.PadId is null && tokenizer.SpecialTokens.Eos is { } eos)
        {
            tokenizer.SetPadToken(eos); // decoders ship without a pad token; padding is masked out anyway
            report($"The tokenizer has no pad token; padding with its EOS token '{eos}'.");
        }

        // Freeze / BitFit set requires_grad; adapter methods (LoRA, bottleneck adapters, prompt tuning) save only the adapter.
        var (adapted, adapter) = TuneSharp.Peft.PeftSetup.Apply(classifier, options.Peft, Path.GetFullPath(options.ModelDir), tokenizer);
        if (adapter is not null) report(adapter.Describe());
        adapted.GradientCheckpointing = args.GradientCheckpointing;
        report(TuneSharp.Peft.PeftSummary.Describe(classifier.Module));
        TuneSharp.Inference.TorchThreads.ConfigureFor(TuneSharp.Peft.PeftSummary.Count(classifier.Module).All);

        var task = new TextClassificationTask(adapted, tokenizer, train, validation, args.MaxLength, options.ModelDir);
        if (task.TruncatedExamples is var (truncTrain, truncEval) && truncTrain + truncEval > 0)
            report($"{truncTrain:N0} training and {truncEval:N0} validation examples are longer than max_length {args.MaxLength} tokens and were truncated.");
        ITrainingTask trainingTask = adapter is null ? task
            : new TuneSharp.Peft.PeftTrainingTask(task, adapter, dir =>
            {
                TokenizerFiles.Copy(tokenizer, options.ModelDir, dir);
                classifier.Config.Save(dir); // labels and problem type, so predict/evaluate can open the adapter folder alone
            });
        return new PreparedRun(adapter, tokenizer, task, trainingTask, test);
    }

    private static (TextClassificationDataset Train, TextClassificationDataset Validation, TextClassificationDataset? Test)
        LoadData(TextClassificationRunOptions o, Action<string> report)
    {
        TextClassificationDataset Load(string path, LabelMap? map)
        {
            var data = TextClassificationData.Load(new TextClassificationDataOptions
            {
                Path = path, Format = o.Format, TextColumn = o.TextColumn, TextPairColumn = o.TextPairColumn, LabelColumn = o.LabelColumn,
                OnBadRow = o.OnBadRow, LabelMap = map,
                LabelFormat = LabelEncoding.DataFormat(o.ProblemType), LabelSeparator = o.LabelSeparator,
            });
            // Said here, before a validation split or max_train_samples makes new datasets of the rows that were read.
            if (data.Skipped.Count > 0) report($"warning: {path}: {data.Skipped}");
            return data;
        }

        var train = Load(o.TrainPath, null);
        TextClassificationDataset validation;
        if (o.ValidationPath is not null)
        {
            validation = Load(o.ValidationPath, train.Labels);
        }
        else
        {
            (train, validation) = DatasetSplits.TrainValidationSplit(train, o.ValidationSplit, o.Args.Seed);
            var stratified = train.Format == LabelFormat.Number ? "random" : train.Format == LabelFormat.ClassList ? "stratified by label set" : "stratified";
            report($"No validation file: held out {validation.Count:N0} training rows ({o.ValidationSplit:P0}, {stratified}, seed {o.Args.Seed}).");
        }
        var test = o.TestPath is null ? null : Load(o.TestPath, train.Labels);
        if (o.MaxTrainSamples is { } maxTrain && maxTrain < train.Count) train = Take(train, maxTrain);
        if (o.MaxEvalSamples is { } maxEval && maxEval < validation.Count) validation = Take(validation, maxEval);

        foreach (var (name, data) in new[] { ("train", train), ("validation", validation), ("test", test) })
        {
            if (data is null) continue;
            var counts = DatasetSplits.ClassCounts(data);
            report($"{name}: {data.Count:N0} examples ({Describe(data, counts)})");
            if (DatasetSplits.ImbalanceWarning(counts) is { } warning) report($"warning: {name}: {warning}");
            if (name == "train" && data.Format == LabelFormat.ClassName && DatasetSplits.MixedLabelKindsWarning(counts) is { } mixed) report($"warning: {name}: {mixed}");
        }
        return (train, validation, test);
    }

    // Class counts (examples with each class, for multi-label), or the range of the targets for regression.
    private static string Describe(TextClassificationDataset data, IReadOnlyList<ClassCount> counts)
    {
        if (data.Format != LabelFormat.Number) return string.Join(", ", counts.Select(c => $"{c.Label}: {c.Count:N0}"));
        var values = data.Examples.Select(data.Value).ToList();
        return FormattableString.Invariant($"targets {values.Min():0.###} to {values.Max():0.###}, mean {values.Average():0.###}");
    }

    // Deterministic prefix of a (possibly shuffled by the split) dataset, for --max-train-samples.
    private static TextClassificationDataset Take(TextClassificationDataset data, int n) =>
        new(data.Examples.Take(n).ToList(), data.Labels, data.SourcePath, data.Skipped, data.Format, data.LabelSeparator);
}
