using System.CommandLine;
using TuneSharp.Recipes;
using TuneSharp.Tasks.SequenceClassification;
using TuneSharp.Tasks.TextClassification;

namespace TuneSharp.Cli;

/// <summary>The flags only text classification has: the text and label columns and the kind of labels.</summary>
internal sealed class TextClassificationFlags : ITaskFlags
{
    public const string TaskName = "text-classification";

    private readonly Option<string?> _pairColumn = new("--text-pair-column") { Description = "text-classification: column with the second text of a pair (e.g. hypothesis)" };
    private readonly Option<string> _labelColumn = new("--label-column") { Description = "text-classification: column with the label", DefaultValueFactory = _ => "label" };
    private readonly Option<string> _problemType = new("--problem-type") { Description = "text-classification: single_label_classification | multi_label_classification (labels like \"a,b\") | regression (numeric labels)", DefaultValueFactory = _ => "single_label_classification" };
    private readonly Option<string> _longText = new("--long-text") { Description = "text-classification: texts longer than --max-length: truncate | windows (overlapping by --doc-stride, every window trained, logits combined per text)", DefaultValueFactory = _ => "truncate" };
    private readonly Option<string> _aggregation = new("--window-aggregation") { Description = "text-classification with --long-text windows: mean | max of the windows' logits", DefaultValueFactory = _ => "mean" };
    private readonly Option<string> _labelSeparator = new("--label-separator") { Description = "text-classification: separator of the labels of a multi-label cell", DefaultValueFactory = _ => "," };

    public TextClassificationFlags()
    {
        _problemType.AcceptOnlyFromAmong("single_label_classification", "multi_label_classification", "regression");
        _longText.AcceptOnlyFromAmong("truncate", "windows");
        _aggregation.AcceptOnlyFromAmong("mean", "max");
    }

    private Option[] All => [_pairColumn, _labelColumn, _problemType, _labelSeparator, _longText, _aggregation];

    public string Name => TaskName;

    public void AddTo(Command command)
    {
        foreach (var option in All) command.Options.Add(option);
    }

    public void RefuseGiven(ParseResult parse, string task) => TaskFlags.RefuseGiven(parse, All, TaskName, task);

    public FineTuningTask Build(ParseResult parse, SharedRunOptions shared, Func<string> resolveModel) =>
        new TextClassificationRecipeTask(shared.Complete(new TextClassificationRunOptions
        {
            Args = shared.Args,
            TrainPath = shared.TrainPath,
            TextColumn = shared.TextColumn,
            TextPairColumn = parse.GetValue(_pairColumn),
            LabelColumn = parse.GetValue(_labelColumn)!,
            ProblemType = ProblemTypes.Parse(parse.GetValue(_problemType)!, "--problem-type"),
            LabelSeparator = RequireSeparator(parse.GetValue(_labelSeparator)),
            LongText = LongText(parse, shared.DocStride),
            ModelDir = resolveModel(),
        }));

    // The aggregation only means something with windows: given with truncation it is refused rather than ignored.
    private LongTextOptions LongText(ParseResult parse, int? docStride)
    {
        LongTextOptions.Names.TryParse(parse.GetValue(_longText)!, out LongTextStrategy strategy);
        LongTextOptions.Names.TryParse(parse.GetValue(_aggregation)!, out WindowAggregation aggregation);
        if (strategy != LongTextStrategy.Windows && parse.GetResult(_aggregation) is { Implicit: false })
            throw new TuneSharpException("--window-aggregation only applies with --long-text windows.") { Setting = "window_aggregation" };
        if (strategy != LongTextStrategy.Windows && docStride is not null)
            throw new TuneSharpException("--doc-stride only applies to text classification with --long-text windows; truncation has no windows to overlap.") { Setting = "doc_stride" };
        return new LongTextOptions { Strategy = strategy, DocStride = docStride, Aggregation = aggregation };
    }

    private static string RequireSeparator(string? separator) =>
        string.IsNullOrEmpty(separator) ? throw new TuneSharpException("--label-separator must not be empty.") { Setting = "label_separator" } : separator;
}
