using System.CommandLine;
using TuneSharp.Recipes;

namespace TuneSharp.Cli;

/// <summary>
/// The flags of a fine-tuning run, shared by <c>train</c> and <c>plan</c> so both read a run the same way: the task,
/// model, data files, method and training arguments every task has, then each task's own flags
/// (<see cref="TextClassificationFlags"/>, <see cref="TokenClassificationFlags"/>, <see cref="QuestionAnsweringFlags"/>,
/// <see cref="CausalLmFlags"/>); a task's
/// flag given for another task is refused.
/// </summary>
internal sealed class FineTuningFlags
{
    private readonly Option<string> _task = new("--task") { Description = "text-classification | token-classification | question-answering | causal-lm", DefaultValueFactory = _ => TextClassificationFlags.TaskName };
    private readonly Option<string> _model = new("--model") { Description = "Pretrained model folder or hub id", Required = true };
    private readonly Option<string> _train = new("--train") { Description = "Training data (.csv .tsv .jsonl .json .parquet; CoNLL .conll .txt .train for token classification; SQuAD .json, .jsonl or .parquet for question answering; .txt, or JSON/JSONL text, Alpaca or chat messages rows for causal-lm)", Required = true };
    private readonly Option<string?> _validation = new("--validation") { Description = "Validation data; default: hold out --validation-split of train" };
    private readonly Option<string?> _test = new("--test") { Description = "Test data, evaluated once at the end (test_results.json)" };
    private readonly Option<double> _split = new("--validation-split") { Description = "Fraction of train held out for validation when no --validation file is given", DefaultValueFactory = _ => 0.1 };
    private readonly Option<string> _onBadRow = BadRowOption.Create();
    private readonly Option<string?> _format = DataFormatOption.Create();
    private readonly Option<int?> _maxTrain = new("--max-train-samples") { Description = "Train on the first N training examples only (quick runs)" };
    private readonly Option<int?> _maxEval = new("--max-eval-samples") { Description = "Evaluate on the first N validation examples only" };
    // Shared by the two tasks that window long texts; token classification has transformers' --stride instead.
    private readonly Option<int?> _docStride = new("--doc-stride") { Description = "question-answering, text-classification with --long-text windows: tokens shared by consecutive windows of a long text (default: 128, or a third of --max-length when smaller)" };
    // Shared by the two tasks whose rows are texts.
    private readonly Option<string> _textColumn = new("--text-column") { Description = "text-classification, causal-lm: column with the text (causal-lm: of plain-text JSON/JSONL rows)", DefaultValueFactory = _ => "text" };
    private readonly PeftFlags _peft = new();
    private readonly TrainingOptions _training = new();
    // Every task's own flags, each refused when another task runs.
    private readonly ITaskFlags[] _tasks = [new TextClassificationFlags(), new TokenClassificationFlags(), new QuestionAnsweringFlags(), new CausalLmFlags()];

    public FineTuningFlags() => _task.AcceptOnlyFromAmong([.. _tasks.Select(t => t.Name)]);

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _task, _model, _train, _validation, _test, _split, _onBadRow, _format, _maxTrain, _maxEval, _docStride, _textColumn })
            command.Options.Add(option);
        foreach (var task in _tasks) task.AddTo(command);
        _peft.AddTo(command);
        _training.AddTo(command);
    }

    /// <summary>
    /// The run the flags describe, as the task's part of the recipe. The options are checked first and the model, which
    /// may be a hub id to look up or download, is resolved last.
    /// </summary>
    public FineTuningTask Build(CliOutput io, ParseResult parse, bool checkResources = true)
    {
        var task = parse.GetValue(_task)!;
        var chosen = _tasks.Single(t => t.Name == task);
        foreach (var other in _tasks.Where(t => t != chosen)) other.RefuseGiven(parse, task);
        if (task == TokenClassificationFlags.TaskName && parse.GetResult(_docStride) is { Implicit: false })
            throw new TuneSharpException("--doc-stride belongs to --task question-answering and text-classification; token classification's windows overlap by --stride.") { Setting = "task" };
        if (task is TokenClassificationFlags.TaskName or QuestionAnsweringFlags.TaskName && parse.GetResult(_textColumn) is { Implicit: false })
            throw new TuneSharpException($"--text-column belongs to --task text-classification and causal-lm; this run is --task {task}.") { Setting = "task" };
        var shared = new SharedRunOptions(
            Args: _training.Build(parse),
            Peft: _peft.Build(parse),
            TrainPath: parse.GetValue(_train)!,
            ValidationPath: parse.GetValue(_validation),
            TestPath: parse.GetValue(_test),
            ValidationSplit: parse.GetValue(_split),
            OnBadRow: BadRowOption.Parse(parse.GetValue(_onBadRow)),
            Format: DataFormatOption.Parse(parse.GetValue(_format)),
            MaxTrainSamples: parse.GetValue(_maxTrain),
            MaxEvalSamples: parse.GetValue(_maxEval),
            DocStride: parse.GetValue(_docStride),
            TextColumn: parse.GetValue(_textColumn)!,
            CheckResources: checkResources);
        return chosen.Build(parse, shared, () => ModelSource.Resolve(io, parse.GetValue(_model)!));
    }
}

/// <summary>The options of <see cref="FineTuningRunOptions"/> read from the shared flags, for a task's flags to build its options.</summary>
internal sealed record SharedRunOptions(
    Training.TrainingArguments Args, Peft.PeftOptions Peft, string TrainPath, string? ValidationPath, string? TestPath, double ValidationSplit,
    Data.BadRowPolicy OnBadRow, Data.DatasetFormat? Format, int? MaxTrainSamples, int? MaxEvalSamples, int? DocStride, string TextColumn, bool CheckResources)
{
    /// <summary>
    /// A task's options with every shared option set from the flags (a record's <c>with</c> keeps the task's own type and
    /// fields), so each task names only its own.
    /// </summary>
    public T Complete<T>(T options) where T : FineTuningRunOptions => (T)(options with
    {
        Args = Args, Peft = Peft, TrainPath = TrainPath, ValidationPath = ValidationPath, TestPath = TestPath, ValidationSplit = ValidationSplit,
        OnBadRow = OnBadRow, Format = Format, MaxTrainSamples = MaxTrainSamples, MaxEvalSamples = MaxEvalSamples, CheckResources = CheckResources,
    });
}

/// <summary>A task's own flags.</summary>
internal interface ITaskFlags
{
    /// <summary>The --task value.</summary>
    string Name { get; }

    /// <summary>Adds the flags to a command.</summary>
    void AddTo(Command command);

    /// <summary>The task's part of the recipe, from the shared options and this task's flags; the model is resolved last.</summary>
    FineTuningTask Build(ParseResult parse, SharedRunOptions shared, Func<string> resolveModel);

    /// <summary>Refuses this task's flags given on a command line that runs another <paramref name="task"/>.</summary>
    void RefuseGiven(ParseResult parse, string task);
}

/// <summary>Helpers for task flag groups.</summary>
internal static class TaskFlags
{
    /// <summary>Throws a usage error naming the first of <paramref name="options"/> given explicitly.</summary>
    public static void RefuseGiven(ParseResult parse, IEnumerable<Option> options, string owner, string task)
    {
        foreach (var option in options)
            if (parse.GetResult(option) is { Implicit: false })
                throw new TuneSharpException($"{option.Name} belongs to --task {owner}; this run is --task {task}.") { Setting = "task" };
    }
}
