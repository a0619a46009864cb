using System.CommandLine;
using TuneSharp.Recipes;

namespace TuneSharp.Cli;

/// <summary>The flags only extractive question answering has: columns of flat files and post-processing (--doc-stride is shared, see <see cref="FineTuningFlags"/>).</summary>
internal sealed class QuestionAnsweringFlags : ITaskFlags
{
    public const string TaskName = "question-answering";

    private readonly Option<string> _idColumn = new("--id-column") { Description = "question-answering: column with the question id (JSONL, JSON rows)", DefaultValueFactory = _ => "id" };
    private readonly Option<string> _questionColumn = new("--question-column") { Description = "question-answering: column with the question", DefaultValueFactory = _ => "question" };
    private readonly Option<string> _contextColumn = new("--context-column") { Description = "question-answering: column with the context", DefaultValueFactory = _ => "context" };
    private readonly Option<string> _answersColumn = new("--answers-column") { Description = "question-answering: column with the answers ({\"text\": [...], \"answer_start\": [...]})", DefaultValueFactory = _ => "answers" };
    private readonly Option<int> _nBest = new("--n-best-size") { Description = "question-answering: start/end candidates per window and answers kept per question", DefaultValueFactory = _ => 20 };
    private readonly Option<int> _maxAnswer = new("--max-answer-length") { Description = "question-answering: the longest answer, in tokens", DefaultValueFactory = _ => 30 };
    private readonly Option<bool> _v2 = new("--version-2-with-negative") { Description = "question-answering: questions may have no answer (SQuAD v2.0)" };
    private readonly Option<double> _nullThreshold = new("--null-score-diff-threshold") { Description = "question-answering (v2): answer none when the null score beats the best span by more than this", DefaultValueFactory = _ => 0.0 };

    private Option[] All => [_idColumn, _questionColumn, _contextColumn, _answersColumn, _nBest, _maxAnswer, _v2, _nullThreshold];

    public string Name => TaskName;

    public void AddTo(Command command)
    {
        foreach (var option in All) command.Options.Add(option);
    }

    public void RefuseGiven(ParseResult parse, string task) => TaskFlags.RefuseGiven(parse, All, TaskName, task);

    public FineTuningTask Build(ParseResult parse, SharedRunOptions shared, Func<string> resolveModel) =>
        new QuestionAnsweringRecipeTask(shared.Complete(new QuestionAnsweringRunOptions
        {
            Args = shared.Args,
            TrainPath = shared.TrainPath,
            IdColumn = parse.GetValue(_idColumn)!,
            QuestionColumn = parse.GetValue(_questionColumn)!,
            ContextColumn = parse.GetValue(_contextColumn)!,
            AnswersColumn = parse.GetValue(_answersColumn)!,
            DocStride = shared.DocStride,
            NBestSize = parse.GetValue(_nBest),
            MaxAnswerLength = parse.GetValue(_maxAnswer),
            Version2WithNegative = parse.GetValue(_v2),
            NullScoreDiffThreshold = parse.GetValue(_nullThreshold),
            ModelDir = resolveModel(),
        }));
}
