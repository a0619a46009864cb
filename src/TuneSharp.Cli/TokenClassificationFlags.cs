using System.CommandLine;
using TuneSharp.Recipes;

namespace TuneSharp.Cli;

/// <summary>The flags only token classification (named-entity recognition) has: the list columns or CoNLL column, labels, windows.</summary>
internal sealed class TokenClassificationFlags : ITaskFlags
{
    public const string TaskName = "token-classification";

    private readonly Option<string> _tokensColumn = new("--tokens-column") { Description = "token-classification: list column with the words (JSONL, JSON, Parquet)", DefaultValueFactory = _ => "tokens" };
    private readonly Option<string> _tagsColumn = new("--tags-column") { Description = "token-classification: list column with the tags", DefaultValueFactory = _ => "ner_tags" };
    private readonly Option<int> _conllLabelColumn = new("--conll-label-column") { Description = "token-classification: CoNLL column with the tag (0 is the token; negative counts from the right)", DefaultValueFactory = _ => -1 };
    private readonly Option<string?> _labelNames = new("--label-names") { Description = "token-classification: label names in id order, comma-separated (needed for integer tags)" };
    private readonly Option<bool> _labelAllTokens = new("--label-all-tokens") { Description = "token-classification: label every sub-token of a word, not only the first" };
    private readonly Option<int?> _stride = new("--stride") { Description = "token-classification: tokens shared by the windows of a sentence longer than --max-length (default: a quarter of it)" };
    private readonly Option<bool> _strict = new("--strict-metrics") { Description = "token-classification: score entities in seqeval's strict mode (IOB2/IOBES) instead of its default" };

    private Option[] All => [_tokensColumn, _tagsColumn, _conllLabelColumn, _labelNames, _labelAllTokens, _stride, _strict];

    public string Name => TaskName;

    public void AddTo(Command command)
    {
        foreach (var option in All) command.Options.Add(option);
    }

    public void RefuseGiven(ParseResult parse, string task) => TaskFlags.RefuseGiven(parse, All, TaskName, task);

    public FineTuningTask Build(ParseResult parse, SharedRunOptions shared, Func<string> resolveModel) =>
        new TokenClassificationRecipeTask(shared.Complete(new TokenClassificationRunOptions
        {
            Args = shared.Args,
            TrainPath = shared.TrainPath,
            TokensColumn = parse.GetValue(_tokensColumn)!,
            TagsColumn = parse.GetValue(_tagsColumn)!,
            ConllLabelColumn = parse.GetValue(_conllLabelColumn),
            LabelNames = LabelNames(parse.GetValue(_labelNames)),
            LabelAllTokens = parse.GetValue(_labelAllTokens),
            Stride = parse.GetValue(_stride),
            StrictMetrics = parse.GetValue(_strict),
            ModelDir = resolveModel(),
        }));

    private static IReadOnlyList<string>? LabelNames(string? text)
    {
        if (text is null) return null;
        var names = text.Split(',').Select(n => n.Trim()).ToList();
        if (names.Any(n => n.Length == 0)) throw new TuneSharpException($"--label-names '{text}' has an empty name; give the names in id order, separated by commas.") { Setting = "label_names" };
        return names;
    }
}
