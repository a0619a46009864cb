using TuneSharp.Data;
using TuneSharp.Models;
using TuneSharp.Tasks.SequenceClassification;
using TuneSharp.Tasks.TextClassification;
using TuneSharp.Tokenization;
using TuneSharp.Training;

namespace TuneSharp.Recipes;

/// <summary>
/// The text-classification job (<c>--task text-classification</c>): the one <see cref="FineTuningRecipe"/> with
/// <see cref="TextClassificationRecipeTask"/> — read and split the tabular data, report class balance, build the
/// classifier on the pretrained encoder/decoder, train, evaluate on validation (and test) data, write the outputs.
/// </summary>
public static class TextClassificationFineTuning
{
    /// <summary>Runs the job. <paramref name="report"/> receives human-readable lines (data summary, plan, warnings).</summary>
    /// <exception cref="TrainingException">The resource check is on and the run would not fit in this machine's memory.</exception>
    public static FineTuningRunResult Run(TextClassificationRunOptions options, ITrainerCallback callback,
        Action<string> report, CancellationToken ct = default) =>
        FineTuningRecipe.Run(new TextClassificationRecipeTask(options), callback, report, ct);

    /// <summary>The resource plan of <see cref="Run"/> without training (see <see cref="FineTuningRecipe.Plan"/>).</summary>
    public static Planning.ResourcePlan Plan(TextClassificationRunOptions options, Action<string> report) =>
        FineTuningRecipe.Plan(new TextClassificationRecipeTask(options), report);

    /// <summary>The settings that make this run the run it is (see <see cref="FineTuningRecipe.Identity"/>).</summary>
    public static RunIdentity Identity(TextClassificationRunOptions options) => FineTuningRecipe.Identity(new TextClassificationRecipeTask(options));
}

/// <summary>What text classification brings to the <see cref="FineTuningRecipe"/>: tabular data, a sequence classifier, its metrics.</summary>
public sealed class TextClassificationRecipeTask(TextClassificationRunOptions options) : FineTuningTask
{
    private TextClassificationDataset? _train, _validation, _test;
    private TextClassificationTask? _task;
    private TextTokenizer? _tokenizer;

    /// <inheritdoc/>
    public override string Name => "text-classification";

    /// <inheritdoc/>
    public override FineTuningRunOptions Options => options;

    /// <inheritdoc/>
    public override void CheckOptions()
    {
        options.LongText.Validate(options.Args.MaxLength);
        foreach (var path in new[] { options.TrainPath, options.ValidationPath, options.TestPath })
            if (path is not null) TabularReader.CheckPath(path, options.Format);
    }

    /// <inheritdoc/>
    public override IEnumerable<(string Key, string? Value)> IdentityFields() =>
    [
        ("text_column", options.TextColumn),
        ("text_pair_column", options.TextPairColumn),
        ("label_column", options.LabelColumn),
        ("problem_type", options.ProblemType.ToHfString()),
        ("label_separator", options.ProblemType == ProblemType.MultiLabelClassification ? options.LabelSeparator : null),
        .. options.LongText.Settings(options.Args.MaxLength),
    ];

    /// <inheritdoc/>
    public override int LoadData(Action<string> report)
    {
        (_train, _validation, _test) = TextClassificationRunData.Load(options, report);
        return _train.Count;
    }

    /// <inheritdoc/>
    public override ITaskModel LoadModel(Action<string> report)
    {
        var labels = _train!.Labels;
        var (classifier, loadReport) = SequenceClassifierFactory.FromPretrained(options.ModelDir, new SequenceClassificationOptions
        {
            NumLabels = labels.Count,
            Id2Label = labels.Id2Label,
            Label2Id = labels.Label2Id,
            ProblemType = options.ProblemType,
            DType = options.DType,
            HiddenDropoutOverride = options.Args.HiddenDropoutProb,
        });
        if (!loadReport.IsClean) report(loadReport.ToString());
        return classifier;
    }

    /// <inheritdoc/>
    public override ITrainingTask CreateTrainingTask(ITaskModel model, TextTokenizer tokenizer, out IReadOnlyList<int> trainLengths, Action<string> report)
    {
        var args = options.Args;
        _tokenizer = tokenizer;
        _task = new TextClassificationTask((ISequenceClassifier)model, tokenizer, _train!, _validation, args.MaxLength, options.ModelDir, options.LongText);
        if (_task.TruncatedExamples is var (truncTrain, truncEval) && truncTrain + truncEval > 0)
            report($"{truncTrain:N0} training and {truncEval:N0} validation examples are longer than max_length {args.MaxLength} tokens and were truncated.");
        if (_task.WindowedExamples is var (windowedTrain, windowedEval) && options.LongText.UsesWindows)
            report($"{_task.TrainExampleCount:N0} training windows from {_train!.Count:N0} examples: {windowedTrain:N0} training and {windowedEval:N0} validation examples " +
                   $"are longer than max_length {args.MaxLength} tokens, split into windows overlapping by {options.LongText.StrideFor(args.MaxLength)} tokens (doc_stride); " +
                   $"a text's prediction is the {LongTextOptions.Names.Of(options.LongText.Aggregation)} of its windows' logits.");
        trainLengths = _task.TrainLengths;
        return _task;
    }

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, double>? EvaluateTest(CancellationToken ct) =>
        _test is null ? null
            : TextClassificationEvaluator.Evaluate(_task!.Classifier, _tokenizer!, _test, options.Args.PerDeviceEvalBatchSize, options.Args.MaxLength, ct, options.LongText)
                .ToDictionary("test_");

}
