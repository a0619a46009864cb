using System.Numerics;

namespace TuneSharp.Data;

/// <summary>
/// The fixed mapping between class labels and the integer ids a classifier predicts (transformers'
/// <c>id2label</c>/<c>label2id</c>). Ids run from 0 to <see cref="Count"/> - 1.
/// </summary>
public sealed class LabelMap
{
    private readonly string[] _labels;
    private readonly Dictionary<string, int> _ids;

    /// <summary>A map whose ids are the positions of <paramref name="labelsInIdOrder"/>; labels must be distinct and non-empty.</summary>
    public LabelMap(IEnumerable<string> labelsInIdOrder)
    {
        ArgumentNullException.ThrowIfNull(labelsInIdOrder);
        _labels = labelsInIdOrder.ToArray();
        if (_labels.Length == 0) throw new ArgumentException("A label map needs at least one label.", nameof(labelsInIdOrder));
        _ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var id = 0; id < _labels.Length; id++)
        {
            if (string.IsNullOrWhiteSpace(_labels[id])) throw new ArgumentException($"Label {id} is empty.", nameof(labelsInIdOrder));
            if (!_ids.TryAdd(_labels[id], id)) throw new ArgumentException($"Label '{_labels[id]}' appears more than once.", nameof(labelsInIdOrder));
        }
        Id2Label = Enumerable.Range(0, _labels.Length).ToDictionary(id => id, id => _labels[id]);
    }

    /// <summary>
    /// The map of the distinct <paramref name="labels"/>: integer-looking labels first, in numeric order
    /// (0, 1, 2, 10; so a label "3" gets id 3 when the labels are 0..n-1), then the others in ordinal order.
    /// </summary>
    public static LabelMap Build(IEnumerable<string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var distinct = labels.Distinct(StringComparer.Ordinal).ToList();
        distinct.Sort(CompareLabels);
        return new LabelMap(distinct);
    }

    /// <summary>A map from a checkpoint's <c>id2label</c>; its ids must be exactly 0..n-1.</summary>
    public static LabelMap FromId2Label(IReadOnlyDictionary<int, string> id2Label)
    {
        ArgumentNullException.ThrowIfNull(id2Label);
        for (var id = 0; id < id2Label.Count; id++)
            if (!id2Label.ContainsKey(id))
                throw new TuneSharpException($"id2label must have the ids 0..{id2Label.Count - 1}; id {id} is missing (ids: {string.Join(", ", id2Label.Keys.Order())}).");
        return new LabelMap(Enumerable.Range(0, id2Label.Count).Select(id => id2Label[id]));
    }

    /// <summary>The number of classes.</summary>
    public int Count => _labels.Length;

    /// <summary>The labels in id order.</summary>
    public IReadOnlyList<string> Labels => _labels;

    /// <summary>Label of each id.</summary>
    public IReadOnlyDictionary<int, string> Id2Label { get; }

    /// <summary>Id of each label.</summary>
    public IReadOnlyDictionary<string, int> Label2Id => _ids;

    /// <summary>The id of <paramref name="label"/>; throws <see cref="TuneSharpException"/> for a label not in the map.</summary>
    public int Id(string label) => _ids.TryGetValue(label, out var id)
        ? id
        : throw new TuneSharpException($"Label '{TextExcerpt.Of(label)}' is not in the label map (labels: {Describe()}).");

    /// <summary>Whether <paramref name="label"/> is in the map, and its id.</summary>
    public bool TryGetId(string label, out int id) => _ids.TryGetValue(label, out id);

    /// <summary>The label of <paramref name="id"/>.</summary>
    public string Label(int id) => id >= 0 && id < _labels.Length
        ? _labels[id]
        : throw new ArgumentOutOfRangeException(nameof(id), $"Label id {id} is outside 0..{_labels.Length - 1}.");

    /// <summary>The labels for messages: "'neg', 'pos'" (the first 20).</summary>
    public string Describe() =>
        string.Join(", ", _labels.Take(20).Select(l => $"'{TextExcerpt.Of(l, 60)}'")) + (_labels.Length > 20 ? $", ... ({_labels.Length} in all)" : "");

    public override string ToString() => $"LabelMap({Describe()})";

    private static int CompareLabels(string a, string b)
    {
        var aIsNumber = TryParseInteger(a, out var x);
        var bIsNumber = TryParseInteger(b, out var y);
        if (aIsNumber && bIsNumber)
        {
            var byValue = x.CompareTo(y);
            return byValue != 0 ? byValue : string.CompareOrdinal(a, b); // "01" and "1" are different labels
        }
        if (aIsNumber != bIsNumber) return aIsNumber ? -1 : 1;
        return string.CompareOrdinal(a, b);
    }

    /// <summary>"-12", "0", "42" are integers; "1.0", "+1", " 1" are not (they sort as text).</summary>
    private static bool TryParseInteger(string label, out BigInteger value)
    {
        value = default;
        var digits = label.StartsWith('-') ? label.AsSpan(1) : label.AsSpan();
        if (digits.IsEmpty || digits.ContainsAnyExceptInRange('0', '9')) return false;
        return BigInteger.TryParse(label, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out value);
    }
}
