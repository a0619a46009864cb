using System.Globalization;
using TuneSharp.Data;
using TuneSharp.Evaluation.SequenceLabeling;
using TuneSharp.Models;
using TuneSharp.Tasks.SequenceClassification;
using TuneSharp.Tasks.TokenClassification;
using TuneSharp.Tokenization;
using TuneSharp.Training;

namespace TuneSharp.Recipes;

/// <summary>
/// The token-classification job (<c>--task token-classification</c>, named-entity recognition): the one
/// <see cref="FineTuningRecipe"/> with <see cref="TokenClassificationRecipeTask"/>.
/// </summary>
public static class TokenClassificationFineTuning
{
    /// <summary>Runs the job. <paramref name="report"/> receives human-readable lines (data summary, plan, warnings).</summary>
    public static FineTuningRunResult Run(TokenClassificationRunOptions options, ITrainerCallback callback, Action<string> report, CancellationToken ct = default) =>
        FineTuningRecipe.Run(new TokenClassificationRecipeTask(options), callback, report, ct);

    /// <summary>The resource plan of <see cref="Run"/> without training.</summary>
    public static Planning.ResourcePlan Plan(TokenClassificationRunOptions options, Action<string> report) =>
        FineTuningRecipe.Plan(new TokenClassificationRecipeTask(options), report);
}

/// <summary>What token classification brings to the <see cref="FineTuningRecipe"/>: tagged sentences, a token classifier, seqeval metrics.</summary>
public sealed class TokenClassificationRecipeTask(TokenClassificationRunOptions options) : FineTuningTask
{
    private TokenClassificationDataset? _train, _validation, _test;
    private TokenClassificationTask? _task;

    /// <inheritdoc/>
    public override string Name => "token-classification";

    /// <inheritdoc/>
    public override FineTuningRunOptions Options => options;

    /// <inheritdoc/>
    public override void CheckOptions()
    {
        if (options.Stride is < 0) throw new TuneSharpException($"stride must be at least 0, got {options.Stride}.") { Setting = "stride" };
        foreach (var path in new[] { options.TrainPath, options.ValidationPath, options.TestPath })
            if (path is not null) TokenClassificationData.CheckPath(path, options.Format);
    }

    /// <inheritdoc/>
    public override IEnumerable<(string Key, string? Value)> IdentityFields() =>
    [
        ("tokens_column", options.TokensColumn),
        ("tags_column", options.TagsColumn),
        ("conll_label_column", options.ConllLabelColumn.ToString(CultureInfo.InvariantCulture)),
        ("label_names", options.LabelNames is null ? null : string.Join(",", options.LabelNames)),
        ("label_all_tokens", options.LabelAllTokens ? "true" : null),
        ("stride", options.Stride?.ToString(CultureInfo.InvariantCulture)),
    ];

    /// <inheritdoc/>
    public override int LoadData(Action<string> report)
    {
        TokenClassificationDataset Load(string path, LabelMap? labels)
        {
            var data = TokenClassificationData.Load(new TokenClassificationDataOptions
            {
                Path = path, Format = options.Format, TokensColumn = options.TokensColumn, TagsColumn = options.TagsColumn,
                ConllLabelColumn = options.ConllLabelColumn, LabelNames = labels is null ? options.LabelNames : null, LabelMap = labels,
                OnBadRow = options.OnBadRow,
            });
            if (data.Skipped.Count > 0) report($"warning: {path}: {data.Skipped}");
            if (data.ConvertedFromIob1) report($"{path}: the tags are IOB1 (entities may start with I-); converted to IOB2, {data.ConvertedTagCount:N0} tags changed.");
            return data;
        }

        var train = Load(options.TrainPath, null);
        TokenClassificationDataset validation;
        if (options.ValidationPath is not null) validation = Load(options.ValidationPath, train.Labels);
        else
        {
            (train, validation) = HoldOut(train, options.ValidationSplit, options.Args.Seed);
            report($"No validation file: held out {validation.Count:N0} training sentences ({options.ValidationSplit:P0}, random, seed {options.Args.Seed}).");
        }
        var test = options.TestPath is null ? null : Load(options.TestPath, train.Labels);
        if (options.MaxTrainSamples is { } maxTrain && maxTrain < train.Count) train = Take(train, maxTrain);
        if (options.MaxEvalSamples is { } maxEval && maxEval < validation.Count) validation = Take(validation, maxEval);
        (_train, _validation, _test) = (train, validation, test);

        report($"labels: {string.Join(", ", train.Labels.Labels)} ({train.TagScheme})");
        foreach (var (name, data) in new[] { ("train", train), ("validation", validation), ("test", test) })
            if (data is not null) report($"{name}: {data.Count:N0} sentences, {data.TokenCount:N0} words ({DescribeEntities(data)})");
        return train.Count;
    }

    /// <inheritdoc/>
    public override ITaskModel LoadModel(Action<string> report)
    {
        var labels = _train!.Labels;
        var (model, loadReport) = TokenClassifierFactory.FromPretrained(options.ModelDir, new SequenceClassificationOptions
        {
            NumLabels = labels.Count, Id2Label = labels.Id2Label, Label2Id = labels.Label2Id,
            DType = options.DType, HiddenDropoutOverride = options.Args.HiddenDropoutProb,
        });
        if (!loadReport.IsClean) report(loadReport.ToString());
        return model;
    }

    /// <inheritdoc/>
    public override ITrainingTask CreateTrainingTask(ITaskModel model, TextTokenizer tokenizer, out IReadOnlyList<int> trainLengths, Action<string> report)
    {
        var strictScheme = _train!.TagScheme == Data.TagScheme.Bioes ? Evaluation.SequenceLabeling.TagScheme.Iobes : Evaluation.SequenceLabeling.TagScheme.Iob2;
        _task = new TokenClassificationTask((ITokenClassifier)model, tokenizer, _train, _validation, new TokenClassificationTaskOptions
        {
            MaxLength = options.Args.MaxLength, Stride = options.Stride, LabelAllTokens = options.LabelAllTokens,
            Mode = options.StrictMetrics ? SeqevalMode.Strict : SeqevalMode.Default, Scheme = strictScheme,
        }, options.ModelDir);
        if (_task.WindowedSentences is var (windowedTrain, windowedEval) && windowedTrain + windowedEval > 0)
            report($"{windowedTrain:N0} training and {windowedEval:N0} validation sentences are longer than max_length {options.Args.MaxLength} tokens: " +
                   $"split into windows overlapping by {_task.Stride} tokens (stride), predictions merged per word.");
        if (_task.WordsWithoutTokens is var (noTokenTrain, noTokenEval) && noTokenTrain + noTokenEval > 0)
            report($"warning: {noTokenTrain:N0} training and {noTokenEval:N0} validation words give no token with this tokenizer: they cannot be labelled and are predicted as O.");
        trainLengths = _task.TrainLengths;
        return _task;
    }

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, double>? EvaluateTest(CancellationToken ct) =>
        _test is null ? null : _task!.EvaluateOn(_test, options.Args.PerDeviceEvalBatchSize, ct).ToDictionary("test_");

    // Entities per type, by their B- (or S-) tags.
    private static string DescribeEntities(TokenClassificationDataset data)
    {
        var counts = data.Examples.SelectMany(e => e.Tags)
            .Where(t => t.StartsWith("B-", StringComparison.Ordinal) || t.StartsWith("S-", StringComparison.Ordinal))
            .GroupBy(t => t[2..]).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key}: {g.Count():N0}");
        var text = string.Join(", ", counts);
        return text.Length == 0 ? "no entities" : "entities " + text;
    }

    // A seeded random held-out split (sentences have no single class to stratify by).
    private static (TokenClassificationDataset Train, TokenClassificationDataset Validation) HoldOut(TokenClassificationDataset data, double fraction, int seed)
    {
        var order = Enumerable.Range(0, data.Count).ToArray();
        new Random(seed).Shuffle(order);
        var held = Math.Clamp((int)Math.Round(data.Count * fraction), 1, Math.Max(1, data.Count - 1));
        if (data.Count < 2)
            throw new TuneSharpException($"{data.SourcePath}: {data.Count} sentence cannot be split into training and validation data; give a validation file.") { Setting = "validation_split" };
        TokenClassificationDataset Subset(IEnumerable<int> indices) =>
            new(indices.Order().Select(i => data.Examples[i]).ToList(), data.Labels, data.SourcePath, data.Skipped);
        return (Subset(order.Skip(held)), Subset(order.Take(held)));
    }

    private static TokenClassificationDataset Take(TokenClassificationDataset data, int n) =>
        new(data.Examples.Take(n).ToList(), data.Labels, data.SourcePath, data.Skipped);
}
