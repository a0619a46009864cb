using System.CommandLine;
using TuneSharp.Inference;

namespace TuneSharp.Cli;

/// <summary>The sampling flags <c>generate</c> and <c>chat</c> share, and how they set a <see cref="GenerationOptions"/>.</summary>
internal sealed class SamplingFlags
{
    private readonly Option<bool> _sample = new("--do-sample") { Description = "Sample instead of greedy decoding (implied by --temperature/--top-k/--top-p)" };
    private readonly Option<double?> _temperature = new("--temperature") { Description = "Softmax temperature for sampling" };
    private readonly Option<int?> _topK = new("--top-k") { Description = "Sample only among the k most likely tokens" };
    private readonly Option<double?> _topP = new("--top-p") { Description = "Nucleus sampling: smallest set of tokens with cumulative probability >= p" };
    private readonly Option<long?> _seed = new("--seed") { Description = "Random seed for sampling (same seed, same text)" };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _sample, _temperature, _topK, _topP, _seed }) command.Options.Add(option);
    }

    /// <summary><paramref name="options"/> with the sampling flags applied: any of --temperature/--top-k/--top-p implies --do-sample.</summary>
    public GenerationOptions Apply(ParseResult parse, GenerationOptions options) => options with
    {
        DoSample = parse.GetValue(_sample) || parse.GetValue(_temperature) is not null || parse.GetValue(_topK) is not null || parse.GetValue(_topP) is not null,
        Temperature = parse.GetValue(_temperature) ?? 1.0,
        TopK = parse.GetValue(_topK) ?? 0,
        TopP = parse.GetValue(_topP) ?? 1.0,
        Seed = parse.GetValue(_seed),
    };
}
