using System.Globalization;

namespace TuneSharp.Data;

/// <summary>Train/validation splits and class statistics for text classification datasets.</summary>
public static class DatasetSplits
{
    /// <summary>
    /// Splits <paramref name="dataset"/> into train and validation sets, stratified by label: each class gives the
    /// validation set its share of round(count × <paramref name="validationFraction"/>) examples (largest remainders
    /// settle the rounding), and keeps at least one example in train. Which examples go where depends only on
    /// <paramref name="seed"/>. Both sets keep the file order and the dataset's full label map.
    /// </summary>
    public static (TextClassificationDataset Train, TextClassificationDataset Validation) TrainValidationSplit(
        TextClassificationDataset dataset, double validationFraction, int seed)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (!(validationFraction > 0 && validationFraction < 1))
            throw new TuneSharpException($"The validation fraction must be between 0 and 1 (exclusive); got {validationFraction.ToString(CultureInfo.InvariantCulture)}.");

        // Example indexes of each stratum (class; label set for multi-label data; one stratum for regression), in file order.
        var byClass = Strata(dataset);

        var quotas = ValidationQuotas(byClass.Select(c => c.Count).ToArray(), validationFraction);
        if (quotas.Sum() == 0)
            throw new TuneSharpException(
                $"A validation fraction of {validationFraction.ToString(CultureInfo.InvariantCulture)} of {dataset.Count} examples leaves no validation example " +
                "(each class keeps at least one example for training); use a larger fraction or more data.");

        var random = new Random(seed);
        var validation = new List<int>();
        var train = new List<int>();
        for (var c = 0; c < byClass.Length; c++)
        {
            var members = byClass[c].ToArray();
            random.Shuffle(members);
            validation.AddRange(members.Take(quotas[c]));
            train.AddRange(members.Skip(quotas[c]));
        }
        return (Subset(dataset, train), Subset(dataset, validation));
    }

    /// <summary>
    /// The number of examples of every class of the label map, in id order (classes without examples count 0); for
    /// multi-label data, the examples that have each class; empty for regression data.
    /// </summary>
    public static IReadOnlyList<ClassCount> ClassCounts(TextClassificationDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (dataset.Format == LabelFormat.Number) return [];
        var counts = new int[dataset.Labels.Count];
        foreach (var example in dataset.Examples)
            foreach (var id in dataset.LabelIds(example)) counts[id]++;
        return counts.Select((count, id) => new ClassCount(id, dataset.Labels.Label(id), count)).ToList();
    }

    /// <summary>
    /// A warning when the largest class has at least <paramref name="ratio"/> times (10 by default) as many examples
    /// as the smallest, or a class has none; null when the classes are balanced enough (or there is only one).
    /// </summary>
    public static string? ImbalanceWarning(IReadOnlyList<ClassCount> counts, double ratio = 10)
    {
        ArgumentNullException.ThrowIfNull(counts);
        if (counts.Count < 2) return null;
        var largest = counts.MaxBy(c => c.Count)!;
        var smallest = counts.MinBy(c => c.Count)!;
        if (smallest.Count == 0)
            return $"Class '{TextExcerpt.Of(smallest.Label, 60)}' has no examples (the largest, '{TextExcerpt.Of(largest.Label, 60)}', has {largest.Count}); the model cannot learn it.";
        var actual = (double)largest.Count / smallest.Count;
        if (actual < ratio) return null;
        return $"Classes are imbalanced: '{TextExcerpt.Of(largest.Label, 60)}' has {largest.Count} examples but '{TextExcerpt.Of(smallest.Label, 60)}' only {smallest.Count} " +
               $"({actual.ToString("0.#", CultureInfo.InvariantCulture)}x). Accuracy can look good while the small class is ignored; " +
               "consider more data for it, class weights, or per-class metrics such as macro F1.";
    }

    /// <summary>
    /// A warning when single-label class names mix numbers and words ("0", "1" and "negative", "positive" in one file):
    /// each spelling becomes a class of its own, which is almost never what was meant. Names the two kinds with their
    /// counts; null when the names are all numbers or all words.
    /// </summary>
    public static string? MixedLabelKindsWarning(IReadOnlyList<ClassCount> counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var numeric = counts.Where(c => LabelCells.TryParseNumber(c.Label, out _)).ToList();
        var named = counts.Where(c => !LabelCells.TryParseNumber(c.Label, out _)).ToList();
        if (numeric.Count == 0 || named.Count == 0) return null;
        static string List(IEnumerable<ClassCount> cs) => string.Join(", ", cs.Take(8).Select(c => $"'{TextExcerpt.Of(c.Label, 60)}': {c.Count:N0}"));
        return $"The labels mix numbers ({List(numeric)}) and names ({List(named)}), so they make {counts.Count} separate classes. " +
               "If the numbers and names mean the same classes, write every label the same way.";
    }

    /// <summary>
    /// How many examples of each class go to validation: shares of round(total × fraction) proportional to class
    /// size, by the largest-remainder method (exact integers, no floating-point ties), at most size − 1 per class.
    /// </summary>
    private static int[] ValidationQuotas(int[] sizes, double fraction)
    {
        var total = sizes.Sum();
        var trainable = sizes.Sum(s => Math.Max(0, s - 1));
        var target = (int)Math.Min(Math.Round(total * fraction, MidpointRounding.AwayFromZero), trainable);
        var quotas = new int[sizes.Length];
        if (target == 0) return quotas;
        for (var c = 0; c < sizes.Length; c++) quotas[c] = Math.Min((int)((long)sizes[c] * target / total), Math.Max(0, sizes[c] - 1));

        // Hand out the rest to the classes with the largest remainders (then larger classes, then lower ids).
        var order = Enumerable.Range(0, sizes.Length)
            .OrderByDescending(c => (long)sizes[c] * target % total)
            .ThenByDescending(c => sizes[c])
            .ThenBy(c => c)
            .ToArray();
        var remaining = target - quotas.Sum();
        while (remaining > 0)
        {
            var given = false;
            foreach (var c in order)
            {
                if (remaining == 0) break;
                if (quotas[c] >= sizes[c] - 1) continue;
                quotas[c]++;
                remaining--;
                given = true;
            }
            if (!given) break;
        }
        return quotas;
    }

    private static TextClassificationDataset Subset(TextClassificationDataset dataset, List<int> indexes)
    {
        indexes.Sort();
        return new TextClassificationDataset(indexes.Select(i => dataset.Examples[i]).ToList(), dataset.Labels, dataset.SourcePath,
            labelFormat: dataset.Format, labelSeparator: dataset.LabelSeparator);
    }

    private static List<int>[] Strata(TextClassificationDataset dataset)
    {
        if (dataset.Format == LabelFormat.ClassName)
        {
            var byClass = Enumerable.Range(0, dataset.Labels.Count).Select(_ => new List<int>()).ToArray();
            for (var i = 0; i < dataset.Count; i++) byClass[dataset.LabelId(dataset.Examples[i])].Add(i);
            return byClass;
        }
        // Multi-label: one stratum per distinct label set (in first-seen order); regression: a single stratum.
        var strata = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (var i = 0; i < dataset.Count; i++)
        {
            var key = dataset.Format == LabelFormat.ClassList ? string.Join(",", dataset.LabelIds(dataset.Examples[i]).Order()) : "";
            if (!strata.TryGetValue(key, out var members)) strata[key] = members = [];
            members.Add(i);
        }
        return strata.Values.ToArray();
    }
}
