using System.CommandLine;
using TuneSharp.Recipes;

namespace TuneSharp.Cli;

/// <summary>The flags only causal language modelling has: blocks of plain text, the chat template, what is trained, packing, samples.</summary>
internal sealed class CausalLmFlags : ITaskFlags
{
    public const string TaskName = "causal-lm";

    private readonly Option<string> _messagesColumn = new("--messages-column") { Description = "causal-lm: column with a conversation's messages ([{\"role\", \"content\"}...])", DefaultValueFactory = _ => "messages" };
    private readonly Option<int?> _blockSize = new("--block-size") { Description = "causal-lm: tokens per block of plain text (default: --max-length)" };
    private readonly Option<string?> _chatTemplate = new("--chat-template") { Description = "causal-lm: chat template for conversations and Alpaca rows: chatml | alpaca | llama-2 | llama-3 | zephyr | mistral | a Jinja file (default: the model's own)" };
    private readonly Option<bool> _trainOnPrompt = new("--train-on-prompt") { Description = "causal-lm: train on every token of a conversation, not only the assistant replies" };
    private readonly Option<bool> _packing = new("--packing") { Description = "causal-lm: put several short examples into each --max-length row (attention never crosses them)" };
    private readonly Option<int> _evalGenerate = new("--eval-generate-samples") { Description = "causal-lm: validation prompts continued and logged at each evaluation", DefaultValueFactory = _ => 0 };

    private Option[] All => [_messagesColumn, _blockSize, _chatTemplate, _trainOnPrompt, _packing, _evalGenerate];

    public string Name => TaskName;

    public void AddTo(Command command)
    {
        foreach (var option in All) command.Options.Add(option);
    }

    public void RefuseGiven(ParseResult parse, string task) => TaskFlags.RefuseGiven(parse, All, TaskName, task);

    public FineTuningTask Build(ParseResult parse, SharedRunOptions shared, Func<string> resolveModel) =>
        new CausalLmRecipeTask(shared.Complete(new CausalLmRunOptions
        {
            Args = shared.Args,
            TrainPath = shared.TrainPath,
            TextColumn = shared.TextColumn,
            MessagesColumn = parse.GetValue(_messagesColumn)!,
            BlockSize = parse.GetValue(_blockSize),
            ChatTemplate = parse.GetValue(_chatTemplate),
            TrainOnPrompt = parse.GetValue(_trainOnPrompt),
            Packing = parse.GetValue(_packing),
            EvalGenerateSamples = parse.GetValue(_evalGenerate),
            ModelDir = resolveModel(),
        }));
}
