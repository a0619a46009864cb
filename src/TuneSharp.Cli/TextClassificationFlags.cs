using System.CommandLine;
using TuneSharp.Data;
using TuneSharp.Recipes;
using TuneSharp.Tasks.SequenceClassification;

namespace TuneSharp.Cli;

/// <summary>The flags of a text-classification run, shared by <c>train</c> and <c>plan</c> so both read a run the same way.</summary>
internal sealed class TextClassificationFlags
{
    private readonly Option<string> _task = new("--task") { Description = "Task to train", DefaultValueFactory = _ => "text-classification" };
    private readonly Option<string> _model = new("--model") { Description = "Pretrained model folder or hub id", Required = true };
    private readonly Option<string> _train = new("--train") { Description = "Training data (.csv .tsv .jsonl .json .parquet)", Required = true };
    private readonly Option<string?> _validation = new("--validation") { Description = "Validation data; default: hold out --validation-split of train" };
    private readonly Option<string?> _test = new("--test") { Description = "Test data, evaluated once at the end (test_results.json)" };
    private readonly Option<string> _textColumn = new("--text-column") { Description = "Column with the text", DefaultValueFactory = _ => "text" };
    private readonly Option<string?> _pairColumn = new("--text-pair-column") { Description = "Column with the second text of a pair (e.g. hypothesis)" };
    private readonly Option<string> _labelColumn = new("--label-column") { Description = "Column with the label", DefaultValueFactory = _ => "label" };
    private readonly Option<double> _split = new("--validation-split") { Description = "Fraction of train held out for validation when no --validation file is given", DefaultValueFactory = _ => 0.1 };
    private readonly Option<string> _onBadRow = BadRowOption.Create();
    private readonly Option<string?> _format = DataFormatOption.Create();
    private readonly Option<int?> _maxTrain = new("--max-train-samples") { Description = "Train on the first N training examples only (quick runs)" };
    private readonly Option<int?> _maxEval = new("--max-eval-samples") { Description = "Evaluate on the first N validation examples only" };
    private readonly Option<string> _problemType = new("--problem-type") { Description = "single_label_classification | multi_label_classification (labels like \"a,b\") | regression (numeric labels)", DefaultValueFactory = _ => "single_label_classification" };
    private readonly Option<string> _labelSeparator = new("--label-separator") { Description = "Separator of the labels of a multi-label cell", DefaultValueFactory = _ => "," };
    private readonly PeftFlags _peft = new();
    private readonly TrainingOptions _training = new();

    public TextClassificationFlags()
    {
        _task.AcceptOnlyFromAmong("text-classification");
        _problemType.AcceptOnlyFromAmong("single_label_classification", "multi_label_classification", "regression");
    }

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _task, _model, _train, _validation, _test, _textColumn, _pairColumn, _labelColumn, _split, _onBadRow, _format, _maxTrain, _maxEval, _problemType, _labelSeparator })
            command.Options.Add(option);
        _peft.AddTo(command);
        _training.AddTo(command);
    }

    /// <summary>The run the flags describe. Initialisers run in order: the options are checked first and the model,
    /// which may be a hub id to look up or download, is resolved last.</summary>
    public TextClassificationRunOptions Build(CliOutput io, ParseResult parse) => new()
    {
        Args = _training.Build(parse),
        Peft = _peft.Build(parse),
        TrainPath = parse.GetValue(_train)!,
        ValidationPath = parse.GetValue(_validation),
        TestPath = parse.GetValue(_test),
        TextColumn = parse.GetValue(_textColumn)!,
        TextPairColumn = parse.GetValue(_pairColumn),
        LabelColumn = parse.GetValue(_labelColumn)!,
        ValidationSplit = parse.GetValue(_split),
        OnBadRow = BadRowOption.Parse(parse.GetValue(_onBadRow)),
        Format = DataFormatOption.Parse(parse.GetValue(_format)),
        MaxTrainSamples = parse.GetValue(_maxTrain),
        MaxEvalSamples = parse.GetValue(_maxEval),
        ProblemType = ProblemTypes.Parse(parse.GetValue(_problemType)!, "--problem-type"),
        LabelSeparator = RequireSeparator(parse.GetValue(_labelSeparator)),
        ModelDir = ModelSource.Resolve(io, parse.GetValue(_model)!),
    };

    private static string RequireSeparator(string? separator) =>
        string.IsNullOrEmpty(separator) ? throw new TuneSharpException("--label-separator must not be empty.") { Setting = "label_separator" } : separator;
}
