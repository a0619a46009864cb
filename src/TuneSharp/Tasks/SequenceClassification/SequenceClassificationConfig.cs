using System.Text.Json.Nodes;
using System.Text.Json;
using TuneSharp.Models;

namespace TuneSharp.Tasks.SequenceClassification;

/// <summary>
/// Reads and writes the classification fields of a <see cref="PretrainedConfig"/> the way transformers stores them:
/// the number of labels is implied by <c>id2label</c> (transformers does not save <c>num_labels</c>), and
/// <c>problem_type</c> / <c>classifier_dropout</c> are plain config keys (kept in <see cref="PretrainedConfig.ExtraFields"/>).
/// </summary>
public static class SequenceClassificationConfig
{
    /// <summary>transformers' default number of labels when a config says nothing.</summary>
    public const int DefaultNumLabels = 2;

    /// <summary>Size of id2label, else a <c>num_labels</c> key some configs carry, else 2.</summary>
    public static int NumLabels(PretrainedConfig config)
    {
        if (config.Id2Label is { Count: > 0 } id2label) return id2label.Count;
        if (config.ExtraFields["num_labels"] is JsonValue v && v.GetValueKind() == JsonValueKind.Number) return v.GetValue<JsonElement>().GetInt32();
        return DefaultNumLabels;
    }

    /// <summary>The config's problem_type, or what transformers infers without one (see <see cref="ProblemTypes.Infer"/>).</summary>
    public static ProblemType ProblemTypeOf(PretrainedConfig config)
    {
        var node = config.ExtraFields[ProblemTypes.ConfigKey];
        if (node is null) return ProblemTypes.Infer(NumLabels(config));
        if (node.GetValueKind() != JsonValueKind.String)
            throw new SequenceClassificationException($"{config.Source}: field 'problem_type' must be a string, found {node.ToJsonString()}.");
        return ProblemTypes.Parse(node.GetValue<string>(), config.Source);
    }

    /// <summary>BERT's <c>classifier_dropout</c>, or null when absent/null (then hidden_dropout_prob applies).</summary>
    public static double? ClassifierDropout(PretrainedConfig config) =>
        config.ExtraFields["classifier_dropout"] is JsonValue v && v.GetValueKind() == JsonValueKind.Number
            ? v.GetValue<JsonElement>().GetDouble()
            : null;

    /// <summary>
    /// Writes the requested head into <paramref name="config"/>: id2label/label2id for the resolved number of
    /// labels, problem_type, and the dropout overrides. Validates that the label options agree with each other.
    /// </summary>
    /// <exception cref="SequenceClassificationException">Inconsistent NumLabels / Id2Label / Label2Id, or a dropout outside [0, 1).</exception>
    public static void Apply(PretrainedConfig config, SequenceClassificationOptions options)
    {
        var numLabels = options.NumLabels ?? options.Id2Label?.Count ?? options.Label2Id?.Count ?? NumLabels(config);
        if (numLabels < 1)
            throw new SequenceClassificationException($"NumLabels must be at least 1, got {numLabels}.");
        // Read before the labels change: without an explicit problem_type, a saved one still applies.
        var configuredProblemType = config.ExtraFields[ProblemTypes.ConfigKey] is null ? (ProblemType?)null : ProblemTypeOf(config);

        ApplyLabels(config, options, numLabels);
        var problemType = options.ProblemType ?? configuredProblemType ?? ProblemTypes.Infer(numLabels);
        config.ExtraFields[ProblemTypes.ConfigKey] = problemType.ToHfString();
        ApplyDropout(config, options);
    }

    /// <summary>
    /// The part of <see cref="Apply"/> every classification head shares (token classification too): id2label/label2id and
    /// the dropout overrides, without a problem_type. <see cref="SequenceClassificationOptions.ProblemType"/> is ignored.
    /// </summary>
    /// <exception cref="SequenceClassificationException">Inconsistent labels, or a dropout outside [0, 1).</exception>
    public static void ApplyLabelsAndDropout(PretrainedConfig config, SequenceClassificationOptions options)
    {
        var numLabels = options.NumLabels ?? options.Id2Label?.Count ?? options.Label2Id?.Count ?? NumLabels(config);
        if (numLabels < 1)
            throw new SequenceClassificationException($"NumLabels must be at least 1, got {numLabels}.");
        ApplyLabels(config, options, numLabels);
        ApplyDropout(config, options);
    }

    private static void ApplyLabels(PretrainedConfig config, SequenceClassificationOptions options, int numLabels)
    {
        var id2label = ResolveId2Label(config, options, numLabels);
        config.Id2Label = id2label;
        config.Label2Id = id2label.ToDictionary(p => p.Value, p => p.Key);
        config.ExtraFields.Remove("num_labels"); // implied by id2label, as transformers saves it
    }

    /// <summary>id2label with keys 0..n-1: from the options, else the config's when it has n entries, else LABEL_i.</summary>
    private static Dictionary<int, string> ResolveId2Label(PretrainedConfig config, SequenceClassificationOptions options, int numLabels)
    {
        Dictionary<int, string>? id2label = null;
        if (options.Id2Label is not null) id2label = new(options.Id2Label);
        if (options.Label2Id is not null)
        {
            var fromLabel2Id = new Dictionary<int, string>();
            foreach (var (label, id) in options.Label2Id)
                if (!fromLabel2Id.TryAdd(id, label))
                    throw new SequenceClassificationException($"Label2Id maps both \"{fromLabel2Id[id]}\" and \"{label}\" to class {id}; each class needs one name.");
            if (id2label is not null && !SameMapping(id2label, fromLabel2Id))
                throw new SequenceClassificationException(
                    $"Id2Label {Describe(id2label)} and Label2Id {Describe(fromLabel2Id)} disagree; give one of them or make them inverse of each other.");
            id2label ??= fromLabel2Id;
        }

        if (id2label is not null)
        {
            CheckIndices(id2label, numLabels, options.Id2Label is not null ? "Id2Label" : "Label2Id");
            var duplicate = id2label.GroupBy(p => p.Value).FirstOrDefault(g => g.Count() > 1);
            if (duplicate is not null)
                throw new SequenceClassificationException($"Id2Label gives the name \"{duplicate.Key}\" to classes {string.Join(", ", duplicate.Select(p => p.Key))}; names must be unique.");
            return id2label;
        }
        if (config.Id2Label is { } existing && existing.Count == numLabels && Enumerable.Range(0, numLabels).All(existing.ContainsKey))
            return new(existing);
        return Enumerable.Range(0, numLabels).ToDictionary(i => i, i => $"LABEL_{i}");
    }

    private static void CheckIndices(Dictionary<int, string> id2label, int numLabels, string option)
    {
        if (id2label.Count != numLabels || !Enumerable.Range(0, numLabels).All(id2label.ContainsKey))
            throw new SequenceClassificationException(
                $"{option} must name exactly the classes 0..{numLabels - 1} for NumLabels = {numLabels}, but it has the indices [{string.Join(", ", id2label.Keys.Order())}].");
    }

    private static bool SameMapping(Dictionary<int, string> a, Dictionary<int, string> b) =>
        a.Count == b.Count && a.All(p => b.TryGetValue(p.Key, out var label) && label == p.Value);

    private static string Describe(Dictionary<int, string> map) =>
        "{" + string.Join(", ", map.OrderBy(p => p.Key).Select(p => $"{p.Key}: \"{p.Value}\"")) + "}";

    private static void ApplyDropout(PretrainedConfig config, SequenceClassificationOptions options)
    {
        CheckProbability(options.HiddenDropoutOverride, nameof(options.HiddenDropoutOverride));
        CheckProbability(options.AttentionDropoutOverride, nameof(options.AttentionDropoutOverride));
        Architectures.ModelArchitectures.Find(config.ModelType)?.ApplyDropout(config, options.HiddenDropoutOverride, options.AttentionDropoutOverride);
    }

    private static void CheckProbability(double? p, string name)
    {
        if (p is { } value && !(value >= 0 && value < 1))
            throw new SequenceClassificationException($"{name} must be a probability in [0, 1), got {value}.");
    }
}
