using TuneSharp.Data;
using TuneSharp.Tasks.CausalLm;
using TuneSharp.Tokenization;
using TuneSharp.Tokenization.ChatTemplates;

namespace TuneSharp.Tests.Tasks.CausalLm;

/// <summary>Response-only labels of conversations, with the real Llama tokenizer of stories260K.</summary>
public class ConversationLabelTests
{
    private static TextTokenizer Tokenizer() => TextTokenizer.FromPretrained(SharedData.RequireModel("stories260K"));

    private static readonly ChatMessage[] TwoTurns =
    [
        new("system", "Be kind."), new("user", "Hi there"), new("assistant", "Hello friend"),
        new("user", "Tell a story"), new("assistant", "Once upon a time"),
    ];

    /// <summary>
    /// Each run of consecutive trained tokens as the text it covers in the rendering (found from the tokens' offsets, so
    /// no decoding quirk hides a misplaced label); an EOS id that is not in the rendering reads "&lt;/s&gt;".
    /// </summary>
    internal static List<string> TrainedRuns(CausalLmExample example, TextTokenizer tokenizer, string rendered) =>
        TrainedRunsAt(example, tokenizer, rendered).Select(r => r.Text).ToList();

    /// <summary><see cref="TrainedRuns"/> with the character where each run starts in the rendering.</summary>
    internal static List<(int Start, string Text)> TrainedRunsAt(CausalLmExample example, TextTokenizer tokenizer, string rendered)
    {
        var tokens = tokenizer.Tokenize(rendered);
        var runs = new List<(int Start, string Text)>();
        var run = new System.Text.StringBuilder();
        var runStart = -1;
        var j = 0;
        for (var i = 0; i < example.InputIds.Length; i++)
        {
            var fromRendering = j < tokens.Count && tokens[j].Id == example.InputIds[i];
            if (!fromRendering) Assert.Equal(tokenizer.SpecialTokens.EosId, example.InputIds[i]); // only EOS is ever added
            var piece = fromRendering ? rendered[tokens[j].Start..tokens[j].End] : "</s>";
            var start = fromRendering ? tokens[j].Start : -1;
            if (fromRendering) j++;
            if (example.Labels[i] != CausalLmExample.IgnoreIndex)
            {
                Assert.Equal(example.InputIds[i], example.Labels[i]);
                if (run.Length == 0) runStart = start;
                run.Append(piece);
            }
            else if (run.Length > 0)
            {
                runs.Add((runStart, run.ToString()));
                run.Clear();
            }
        }
        Assert.Equal(tokens.Count, j); // every token of the rendering is in the example, in order
        if (run.Length > 0) runs.Add((runStart, run.ToString()));
        return runs;
    }

    private static List<string> Runs(IChatTemplate template, IReadOnlyList<ChatMessage> messages, CausalLmExampleOptions? options = null)
    {
        var tokenizer = Tokenizer();
        var example = ConversationTokens.Tokenize(messages, template, tokenizer, options ?? new CausalLmExampleOptions(), "test");
        return TrainedRuns(example, tokenizer, template.Render(messages, false));
    }

    [SkippableFact]
    public void ChatMl_trains_each_reply_with_its_end_marker_and_an_appended_eos()
    {
        var tokenizer = Tokenizer();

        var example = ConversationTokens.Tokenize(TwoTurns, TestChatTemplates.ChatMl, tokenizer, new CausalLmExampleOptions(), "test");

        Assert.Equal(["Hello friend<|im_end|>\n</s>", "Once upon a time<|im_end|>\n</s>"], TrainedRuns(example, tokenizer, TestChatTemplates.ChatMl.Render(TwoTurns, false)));
        var eos = tokenizer.SpecialTokens.EosId!.Value;
        var rendered = tokenizer.Tokenize(TestChatTemplates.ChatMl.Render(TwoTurns, false)).Select(t => t.Id).ToList();
        Assert.Equal(rendered.Count + 2, example.InputIds.Length); // one EOS per reply and nothing else
        Assert.Equal(rendered, example.InputIds.Where((id, i) => !(id == eos && example.Labels[i] == eos)));
        Assert.NotEqual(tokenizer.SpecialTokens.BosId, example.InputIds[0]); // the template writes no BOS, so none is added
    }

    [SkippableFact]
    public void A_template_that_writes_eos_gets_no_second_one()
    {
        var tokenizer = Tokenizer();
        var rendered = TestChatTemplates.WithEos.Render(TwoTurns, false);

        var example = ConversationTokens.Tokenize(TwoTurns, TestChatTemplates.WithEos, tokenizer, new CausalLmExampleOptions(), "test");

        Assert.Equal(["Hello friend</s>\n", "Once upon a time</s>\n"], TrainedRuns(example, tokenizer, rendered));
        Assert.Equal(tokenizer.Tokenize(rendered).Select(t => t.Id), example.InputIds);
        Assert.Equal(tokenizer.SpecialTokens.BosId, example.InputIds[0]); // the template's <s>, read as the BOS token
        Assert.Equal(1, example.InputIds.Count(id => id == tokenizer.SpecialTokens.BosId));
    }

    [SkippableFact]
    public void Eos_after_response_can_be_turned_off()
    {
        Assert.Equal(["Hello friend<|im_end|>\n", "Once upon a time<|im_end|>\n"],
            Runs(TestChatTemplates.ChatMl, TwoTurns, new CausalLmExampleOptions { EosAfterResponse = false }));
    }

    [SkippableFact]
    public void Train_on_prompt_labels_every_token()
    {
        var tokenizer = Tokenizer();

        var example = ConversationTokens.Tokenize(TwoTurns, TestChatTemplates.ChatMl, tokenizer, new CausalLmExampleOptions { TrainOnPrompt = true }, "test");

        Assert.Equal(example.InputIds, example.Labels);
        Assert.Equal(2, example.InputIds.Count(id => id == tokenizer.SpecialTokens.EosId)); // EOS still follows each reply
    }

    [SkippableFact]
    public void Templates_that_rewrite_earlier_turns_fall_back_to_finding_the_contents()
    {
        // The span is the content alone; SentencePiece's first token of each reply carries the space before it.
        Assert.Equal([" Hello friend</s>", " Once upon a time</s>"], Runs(TestChatTemplates.Counting, TwoTurns));
    }

    [SkippableFact]
    public void A_reply_the_rendering_does_not_show_is_an_error_naming_the_row_and_template()
    {
        var tokenizer = Tokenizer();

        var e = Assert.Throws<TuneSharpException>(() =>
            ConversationTokens.Tokenize(TwoTurns, TestChatTemplates.Shouting, tokenizer, new CausalLmExampleOptions(), "'chat.jsonl', line 7"));

        Assert.Contains("'chat.jsonl', line 7", e.Message);
        Assert.Contains("'test-shouting'", e.Message);
        Assert.Contains("assistant message 2 ('Hello friend')", e.Message);
    }

    [SkippableFact]
    public void The_same_text_in_a_user_turn_is_not_trained()
    {
        var tokenizer = Tokenizer();
        ChatMessage[] echo = [new("user", "ok"), new("assistant", "ok"), new("user", "ok"), new("assistant", "ok")];

        foreach (var (template, header) in new[] { (TestChatTemplates.ChatMl, "assistant\n"), (TestChatTemplates.Counting, "assistant:") })
        {
            var rendered = template.Render(echo, false);
            var example = ConversationTokens.Tokenize(echo, template, tokenizer, new CausalLmExampleOptions(), "test");
            var runs = TrainedRunsAt(example, tokenizer, rendered);
            Assert.Equal(2, runs.Count);
            Assert.All(runs, r => Assert.EndsWith(header, rendered[..r.Start])); // each run follows an assistant header
            Assert.Equal(rendered.LastIndexOf(header, StringComparison.Ordinal) + header.Length, runs[1].Start);
        }
    }

    [SkippableFact]
    public void A_conversation_without_assistant_turns_has_no_trained_token()
    {
        var tokenizer = Tokenizer();

        var example = ConversationTokens.Tokenize([new ChatMessage("user", "Hi")], TestChatTemplates.ChatMl, tokenizer, new CausalLmExampleOptions(), "test");

        Assert.Equal(0, example.TrainedTokens);
    }
}
