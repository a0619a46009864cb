using TuneSharp.Inference;
using TuneSharp.Models;
using TuneSharp.Tokenization;
using TuneSharp.Tokenization.ChatTemplates;
using static TorchSharp.torch;

namespace TuneSharp.Tests.Inference;

/// <summary>
/// ChatSession's rules with a scripted model (it "generates" a fixed token sequence): a reply ends at the template's
/// end-of-turn text (not shown, not kept) or at EOS, it is kept in the history, and the oldest exchanges go when the
/// conversation outgrows the context window.
/// </summary>
public sealed class ChatSessionTests
{
    private static readonly TextTokenizer Tokenizer = TextTokenizer.FromPretrained(SharedData.RequireModel("stories260K"));

    /// <summary>Logits that make greedy decoding produce <c>script</c>, one token per call, whatever the input.</summary>
    private sealed class ScriptedLm : nn.Module, ICausalLM
    {
        private readonly int[] _script;
        private int _next;
        private readonly TorchSharp.Modules.Parameter _weight = new(zeros(1));

        public ScriptedLm(int[] script, int positions) : base(nameof(ScriptedLm))
        {
            _script = script;
            Config = new TuneSharp.Architectures.Llama.LlamaConfig { VocabSize = 512, MaxPositionEmbeddings = positions, EosTokenIds = [2] };
            register_parameter("weight", _weight);
        }

        public PretrainedConfig Config { get; }
        public nn.Module Module => this;
        public int VocabSize => 512;
        public List<int> PromptLengths { get; } = [];
        public KvCache CreateCache() => new(1);

        public Tensor Forward(Tensor inputIds, Tensor? attentionMask = null, Tensor? positionIds = null, KvCache? cache = null)
        {
            if (cache is null || _next == 0 || inputIds.shape[1] > 1) PromptLengths.Add((int)inputIds.shape[1]);
            var logits = zeros(1, inputIds.shape[1], 512);
            logits[0, -1, _script[Math.Min(_next++, _script.Length - 1)]] = tensor(10f);
            return logits;
        }

        public void Restart() => _next = 0;
    }

    private static int[] Ids(string text) => Tokenizer.Encode(text, options: new EncodeOptions { AddSpecialTokens = false }).InputIds;

    [SkippableFact]
    public void A_reply_ends_at_the_templates_end_of_turn_text_which_is_neither_shown_nor_kept()
    {
        var model = new ScriptedLm([.. Ids("Sure thing<|im_end|>"), .. Ids(" more")], 512);
        var session = new ChatSession(model, Tokenizer, ChatTemplate.BuiltIn("chatml", null, "</s>"),
            new ChatSessionOptions { Generation = new GenerationOptions { MaxNewTokens = 30 } });
        Assert.Equal("<|im_end|>", session.EndOfTurnText);
        var reply = string.Concat(session.Reply("hello"));
        Assert.Equal("Sure thing", reply.Trim());
        Assert.Equal([new ChatMessage("user", "hello"), new ChatMessage("assistant", "Sure thing")], session.History);
    }

    [SkippableFact]
    public void A_reply_ends_at_eos_and_the_oldest_exchange_goes_when_the_window_is_full()
    {
        var model = new ScriptedLm([.. Ids("ok then"), 2], 240);
        var session = new ChatSession(model, Tokenizer, ChatTemplate.BuiltIn("chatml", null, "</s>"),
            new ChatSessionOptions { Generation = new GenerationOptions { MaxNewTokens = 20 }, SystemMessage = "Be brief." });
        var message = "one two three four five";
        for (var turn = 0; turn < 6; turn++)
        {
            model.Restart();
            Assert.Equal("ok then", string.Concat(session.Reply(message)).Trim());
        }
        Assert.True(session.DroppedTurns > 0);
        Assert.Equal("user", session.History[0].Role); // whole exchanges go
        var prompt = Tokenizer.Encode(ChatTemplate.BuiltIn("chatml", null, "</s>").Render(
            [new ChatMessage("system", "Be brief."), .. session.History.Take(session.History.Count - 1)], true), options: new EncodeOptions { AddSpecialTokens = false });
        Assert.Equal(prompt.Length, model.PromptLengths[^1]); // the system message stayed, the kept turns were sent
        Assert.True(prompt.Length + 20 <= 240);
        session.Reset();
        Assert.Empty(session.History);
    }
}
