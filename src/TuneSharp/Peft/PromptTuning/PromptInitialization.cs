using TorchSharp.Modules;
using TuneSharp.Tokenization;
using static TorchSharp.torch;

namespace TuneSharp.Peft.PromptTuning;

/// <summary>PEFT's PromptEmbedding initialisations: RANDOM keeps nn.Embedding's Normal(0, 1); TEXT and SAMPLE_VOCAB copy word embeddings.</summary>
internal static class PromptInitialization
{
    /// <summary>Overwrites <paramref name="prompt"/>'s weight as <paramref name="options"/>.Init says (nothing to do for RANDOM).</summary>
    public static void Initialize(Embedding prompt, Embedding wordEmbeddings, PromptTuningOptions options, TextTokenizer? tokenizer)
    {
        var count = options.NumVirtualTokens;
        var vocabSize = wordEmbeddings.weight!.shape[0];
        long[]? ids = options.Init switch
        {
            PromptTuningInit.Random => null,
            PromptTuningInit.SampleVocab => SampledIds(vocabSize, count),
            PromptTuningInit.Text => TextIds(tokenizer!, options.InitText!, count, vocabSize),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Init, "Unknown prompt tuning init."),
        };
        if (ids is null) return;
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var rows = wordEmbeddings.weight!.index_select(0, tensor(ids, device: wordEmbeddings.weight!.device));
        prompt.weight!.copy_(rows.to_type(ScalarType.Float32));
    }

    // torch.randint(0, vocab_size, (N,)) on the default CPU generator, as PEFT draws them.
    private static long[] SampledIds(long vocabSize, int count)
    {
        using var ids = randint(0, vocabSize, [count], dtype: ScalarType.Int64);
        return ids.data<long>().ToArray();
    }

    /// <summary>
    /// The init text's token ids, cut or repeated to <paramref name="count"/>. PEFT tokenizes with
    /// <c>tokenizer(init_text)["input_ids"]</c>, which adds the special tokens ([CLS] … [SEP], &lt;s&gt; …), so they are included here too.
    /// </summary>
    public static long[] TextIds(TextTokenizer tokenizer, string text, int count, long vocabSize)
    {
        var tokens = tokenizer.Encode(text).InputIds;
        if (tokens.Length == 0)
            throw new PeftException($"The prompt tuning init text \"{text}\" gives no tokens; use a text with words in it.");
        var outside = tokens.Where(id => id < 0 || id >= vocabSize).ToList();
        if (outside.Count > 0)
            throw new PeftException($"The prompt tuning init text gives token id {outside[0]}, outside this model's {vocabSize} word embeddings (a tokenizer for another model?).");
        return Enumerable.Range(0, count).Select(i => (long)tokens[i % tokens.Length]).ToArray();
    }
}
