using TuneSharp.Data;
using TuneSharp.Tasks.CausalLm;
using TuneSharp.Tokenization;
using TuneSharp.Tokenization.ChatTemplates;

namespace TuneSharp.Tests.Tasks.CausalLm;

/// <summary>Conversations through a template, truncation at max_length and what the summary counts.</summary>
public class CausalLmExampleBuilderTests
{
    private static TextTokenizer Tokenizer() => TextTokenizer.FromPretrained(SharedData.RequireModel("stories260K"));

    private static IReadOnlyList<ChatMessage> Chat(string user, string reply) => [new("user", user), new("assistant", reply)];

    [SkippableFact]
    public void Long_conversations_are_cut_on_the_right_and_counted()
    {
        var tokenizer = Tokenizer();
        var template = TestChatTemplates.WithEos;
        IReadOnlyList<IReadOnlyList<ChatMessage>> conversations =
        [
            Chat("Hi", "Yo"),
            Chat("Tell me a long story please", "Once upon a time there was a dog who liked to run in the park every day."),
            Chat(new string('a', 200), "short"), // the prompt alone is longer than max_length: nothing to train is left
            [new ChatMessage("user", "no reply")],
        ];
        var full = conversations.Select(c => ConversationTokens.Tokenize(c, template, tokenizer, new CausalLmExampleOptions(), "t")).ToList();
        const int maxLength = 40;
        Assert.True(full[0].InputIds.Length <= maxLength && full[1].InputIds.Length > maxLength && full[2].InputIds.Length > maxLength);

        var built = CausalLmExampleBuilder.Build(CausalLmDataset.FromConversations(conversations), tokenizer, template, new CausalLmExampleOptions { MaxLength = maxLength });

        Assert.Equal(2, built.Examples.Count);
        Assert.Equal(full[0], built.Examples[0], ExampleComparer);
        Assert.Equal(full[1].InputIds[..maxLength], built.Examples[1].InputIds);
        Assert.Equal(full[1].Labels[..maxLength], built.Examples[1].Labels);
        var summary = built.Summary;
        Assert.Equal((4, 2, 2), (summary.Rows, summary.Truncated, summary.DroppedWithoutTrainedTokens));
        Assert.Equal(full[1].InputIds.Length + full[2].InputIds.Length - 2 * maxLength, summary.TruncatedTokens);
        Assert.Equal(built.Examples.Sum(e => e.TrainedTokens), summary.TrainedTokens);
        Assert.Equal($"2 of 4 conversations were longer than 40 tokens and were cut ({summary.TruncatedTokens:N0} tokens dropped); 2 had no assistant token left and were dropped",
            summary.ToString());
    }

    private static readonly IEqualityComparer<CausalLmExample> ExampleComparer = EqualityComparer<CausalLmExample>.Create(
        (a, b) => a!.InputIds.SequenceEqual(b!.InputIds) && a.Labels.SequenceEqual(b.Labels));

    [SkippableFact]
    public void Without_max_length_nothing_is_cut()
    {
        var tokenizer = Tokenizer();

        var built = CausalLmExampleBuilder.Build(CausalLmDataset.FromConversations([Chat(new string('a', 300), "b")]), tokenizer, TestChatTemplates.ChatMl,
            new CausalLmExampleOptions { MaxLength = null });

        Assert.True(built.Examples[0].InputIds.Length > 300);
        Assert.Equal(0, built.Summary.Truncated);
        Assert.Equal("1 conversation, none cut (no max_length)", built.Summary.ToString());
    }

    [SkippableFact]
    public void Conversations_need_a_template()
    {
        var e = Assert.Throws<TuneSharpException>(() => CausalLmExampleBuilder.Build(CausalLmDataset.FromConversations([Chat("a", "b")]), Tokenizer(), null));

        Assert.Equal("chat_template", e.Setting);
    }

    [SkippableFact]
    public void A_reply_missing_from_the_rendering_names_the_row_of_the_file()
    {
        using var dir = new TempDir();
        var path = dir.File("chat.jsonl");
        File.WriteAllText(path, "\n{\"messages\": [{\"role\": \"user\", \"content\": \"U\"}, {\"role\": \"assistant\", \"content\": \"quiet\"}]}\n");

        var e = Assert.Throws<TuneSharpException>(() => CausalLmExampleBuilder.Build(CausalLmData.Load(new CausalLmDataOptions { Path = path }), Tokenizer(), TestChatTemplates.Shouting));

        Assert.Contains($"'{path}', line 2", e.Message);
        Assert.Contains("test-shouting", e.Message);
    }

    [SkippableFact]
    public void Alpaca_rows_go_through_the_template()
    {
        var tokenizer = Tokenizer();
        using var dir = new TempDir();
        var path = dir.File("alpaca.jsonl");
        File.WriteAllText(path, "{\"instruction\": \"Add.\", \"input\": \"2 and 3\", \"output\": \"It is 5.\"}\n");
        var data = CausalLmData.Load(new CausalLmDataOptions { Path = path });

        var built = CausalLmExampleBuilder.Build(data, tokenizer, TestChatTemplates.ChatMl);

        var rendered = TestChatTemplates.ChatMl.Render(data.Conversations![0], false);
        Assert.Equal("<|im_start|>user\nAdd.\n\n2 and 3<|im_end|>\n<|im_start|>assistant\nIt is 5.<|im_end|>\n", rendered);
        Assert.Equal(["It is 5.<|im_end|>\n</s>"], ConversationLabelTests.TrainedRuns(built.Examples[0], tokenizer, rendered));
    }

    [SkippableFact]
    public void Real_chat_rows_train_exactly_their_replies()
    {
        var tokenizer = Tokenizer();
        var data = CausalLmData.Load(new CausalLmDataOptions { Path = SharedData.RequireData("sgd-chat/sgd_train.jsonl"), MaxSamples = 5 });

        var built = CausalLmExampleBuilder.Build(data, tokenizer, TestChatTemplates.WithEos, new CausalLmExampleOptions { MaxLength = null });

        Assert.Equal(5, built.Examples.Count);
        for (var i = 0; i < 5; i++)
        {
            var messages = data.Conversations![i];
            var expected = messages.Where(m => m.Role == "assistant").Select(m => m.Content + "</s>\n");
            Assert.Equal(expected, ConversationLabelTests.TrainedRuns(built.Examples[i], tokenizer, TestChatTemplates.WithEos.Render(messages, false)));
        }
    }

    [SkippableFact]
    public void Real_alpaca_rows_train_exactly_their_outputs()
    {
        var tokenizer = Tokenizer();
        var data = CausalLmData.Load(new CausalLmDataOptions { Path = SharedData.RequireData("alpaca/alpaca_5000.json"), MaxSamples = 20 });

        var built = CausalLmExampleBuilder.Build(data, tokenizer, TestChatTemplates.ChatMl, new CausalLmExampleOptions { MaxLength = null });

        for (var i = 0; i < data.Count; i++)
        {
            var messages = data.Conversations![i];
            Assert.Equal([messages[1].Content + "<|im_end|>\n</s>"],
                ConversationLabelTests.TrainedRuns(built.Examples[i], tokenizer, TestChatTemplates.ChatMl.Render(messages, false)));
        }
    }
}
