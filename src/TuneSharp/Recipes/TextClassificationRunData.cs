using TuneSharp.Data;
using TuneSharp.Tasks.TextClassification;

namespace TuneSharp.Recipes;

/// <summary>The data of a text-classification run: the files read, validation held out when there is no file, limits applied.</summary>
internal static class TextClassificationRunData
{
    /// <summary>Reads train, validation (or holds it out of train) and test, applies the sample limits and reports class balance.</summary>
    public static (TextClassificationDataset Train, TextClassificationDataset Validation, TextClassificationDataset? Test)
        Load(TextClassificationRunOptions o, Action<string> report)
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
