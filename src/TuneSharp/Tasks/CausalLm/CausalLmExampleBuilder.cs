using TuneSharp.Data;
using TuneSharp.Tokenization;
using TuneSharp.Tokenization.ChatTemplates;

namespace TuneSharp.Tasks.CausalLm;

/// <summary>Turns a <see cref="CausalLmDataset"/> into training sequences.</summary>
public static class CausalLmExampleBuilder
{
    /// <summary>
    /// Documents become blocks of <see cref="CausalLmExampleOptions.BlockSize"/> tokens (<see cref="DocumentBlocks.Build"/>).
    /// Conversations (chat and Alpaca rows) are rendered with <paramref name="template"/> and labelled on the assistant
    /// turns (<see cref="ConversationTokens.Tokenize"/>), then cut on the right to <see cref="CausalLmExampleOptions.MaxLength"/>;
    /// a conversation left with no trained token is dropped. The summary counts both.
    /// </summary>
    /// <exception cref="TuneSharpException">Conversations without a template, a bad option, or an assistant turn the
    /// template's text does not show (named by row).</exception>
    public static CausalLmExamples Build(CausalLmDataset dataset, TextTokenizer tokenizer, IChatTemplate? template, CausalLmExampleOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(tokenizer);
        options ??= new CausalLmExampleOptions();
        if (!dataset.IsConversational) return DocumentBlocks.Build(dataset.Documents!, tokenizer, options.BlockSize);
        if (template is null)
            throw new TuneSharpException($"The dataset{(dataset.SourcePath is null ? "" : $" '{dataset.SourcePath}'")} holds conversations, " +
                "which need a chat template; the tokenizer has none. Set chat_template.") { Setting = "chat_template" };
        if (options.MaxLength is < 2) throw new TuneSharpException($"max_length must be at least 2; got {options.MaxLength}.") { Setting = "max_length" };

        var examples = new List<CausalLmExample>(dataset.Count);
        int truncated = 0, dropped = 0;
        long truncatedTokens = 0;
        for (var i = 0; i < dataset.Count; i++)
        {
            var example = ConversationTokens.Tokenize(dataset.Conversations![i], template, tokenizer, options, dataset.DescribeRow(i));
            if (options.MaxLength is { } max && example.InputIds.Length > max)
            {
                truncated++;
                truncatedTokens += example.InputIds.Length - max;
                example = new CausalLmExample(example.InputIds[..max], example.Labels[..max]);
            }
            if (example.TrainedTokens == 0)
            {
                dropped++;
                continue;
            }
            examples.Add(example);
        }
        var summary = new CausalLmBuildSummary
        {
            Conversational = true,
            Rows = dataset.Count,
            Examples = examples.Count,
            Tokens = examples.Sum(e => (long)e.InputIds.Length),
            TrainedTokens = examples.Sum(e => (long)e.TrainedTokens),
            MaxLength = options.MaxLength,
            Truncated = truncated,
            TruncatedTokens = truncatedTokens,
            DroppedWithoutTrainedTokens = dropped,
        };
        return new CausalLmExamples(examples, summary);
    }
}
