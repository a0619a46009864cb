using TuneSharp.Tasks.CausalLm;
using System.Text.Json;
using TuneSharp.Checkpoints;
using TuneSharp.Peft;
using TuneSharp.Peft.Lora;
using TuneSharp.Peft.PromptTuning;
using TuneSharp.Tasks.TextClassification;
using Xunit.Abstractions;

namespace TuneSharp.Tests.Interop;

/// <summary>
/// What TuneSharp's training saves opens unchanged in Python: a short real run per architecture and method, then the
/// committed script <c>Scripts/classifier_logits.py</c> loads the output folder in the reference environment
/// (transformers 4.40 <c>AutoModelForSequenceClassification</c>, PEFT 0.10 <c>PeftModel.from_pretrained</c>, the slow
/// tokenizer) and prints token ids and logits, which must equal TuneSharp's (ids exactly, logits within 1e-4).
/// Bottleneck adapters are not tested: PEFT 0.10 has no bottleneck-adapter type to load them (TuneSharp writes its own
/// peft_type "BOTTLENECK", see <see cref="Peft.Bottleneck.BottleneckConfig"/>), so there is nothing in Python to compare with.
/// </summary>
public class SequenceClassificationInteropTests(ITestOutputHelper output) : IDisposable
{
    private const string Script = "classifier_logits.py";

    private readonly TempDir _tmp = new();

    /// <summary>Texts for the tiny BERT: known words, capitals, punctuation and a word outside its vocabulary.</summary>
    private static readonly string[] TinyTexts = ["w1 good w2", "W3 BAD!", "bad w4 w5 w6 good w7", "w8 w9 unknownword good", "good"];

    /// <summary>Texts for stories260K's SentencePiece tokenizer.</summary>
    private static readonly string[] StoryTexts = ["Lily was very happy.", "The dog cried and cried.", "Tom", "Once upon a time, a little bird was scared of the dark!"];

    /// <summary>Texts for MiniLM's uncased WordPiece: accents, punctuation, numbers, a long word split into pieces.</summary>
    private static readonly string[] EnglishTexts =
    [
        "a gorgeous, witty, seductive movie.", "The plot is thin and the acting's WORSE.", "Café society in 1920s Paris — überwhelming?",
        "unquestionably the year's most antidisestablishmentarian film", "ok",
    ];

    [SkippableFact]
    public void FullyFineTunedTinyBertLoadsInTransformersWithTheSameLogits()
    {
        ReferencePython.Require();
        var model = InteropTraining.TinyBert(_tmp, new PeftOptions(), learningRate: 3e-3);
        AssertFullModelMatches(model, TinyTexts, "BertForSequenceClassification");
    }

    [SkippableFact]
    public void TinyBertLoraAdapterOnEveryLinearLoadsInPeftWithTheSameLogits()
    {
        ReferencePython.Require();
        var adapter = InteropTraining.TinyBert(_tmp, Lora("all-linear"), learningRate: 1e-2);
        AssertAdapterMatches(adapter, TinyTexts, "LORA");
    }

    [SkippableFact]
    public void TinyBertPromptTuningAdapterWithTextInitLoadsInPeftWithTheSameLogits()
    {
        ReferencePython.Require();
        var adapter = InteropTraining.TinyBert(_tmp, PromptTuning(PromptTuningInit.Text, "good w2 w3"), learningRate: 1e-2);
        AssertAdapterMatches(adapter, TinyTexts, "PROMPT_TUNING");
    }

    /// <summary>Texts for the fixtures' byte-level BPE: known words, accents, an emoji, spaces.</summary>
    private static readonly string[] ByteLevelTexts = ["w1 good w2", "W3 BAD!", "Café  naïve 😀 good", "bad w4 w5 w6 good w7", " good"];

    [SkippableFact]
    public void FullyFineTunedTinyRobertaLoadsInTransformersWithTheSameLogits()
    {
        ReferencePython.Require();
        var model = InteropTraining.TinyFixture(_tmp, "roberta", new PeftOptions(), learningRate: 3e-3);
        AssertFullModelMatches(model, ByteLevelTexts, "RobertaForSequenceClassification");
    }

    [SkippableFact]
    public void TinyRobertaLoraAdapterWithPeftDefaultsLoadsInPeftWithTheSameLogits()
    {
        ReferencePython.Require();
        var adapter = InteropTraining.TinyFixture(_tmp, "roberta", Lora(null), learningRate: 1e-2);
        AssertAdapterMatches(adapter, ByteLevelTexts, "LORA");
    }

    [SkippableFact]
    public void FullyFineTunedTinyDistilBertLoadsInTransformersWithTheSameLogits()
    {
        ReferencePython.Require();
        var model = InteropTraining.TinyFixture(_tmp, "distilbert", new PeftOptions(), learningRate: 3e-3);
        AssertFullModelMatches(model, ByteLevelTexts, "DistilBertForSequenceClassification");
    }

    [SkippableFact]
    public void FullyFineTunedTinyElectraLoadsInTransformersWithTheSameLogits()
    {
        ReferencePython.Require();
        var model = InteropTraining.TinyFixture(_tmp, "electra", new PeftOptions(), learningRate: 3e-3);
        AssertFullModelMatches(model, ByteLevelTexts, "ElectraForSequenceClassification");
    }

    [SkippableFact]
    public void TinyElectraLoraAdapterWithPeftDefaultsLoadsInPeftWithTheSameLogits()
    {
        ReferencePython.Require();
        var adapter = InteropTraining.TinyFixture(_tmp, "electra", Lora(null), learningRate: 1e-2);
        AssertAdapterMatches(adapter, ByteLevelTexts, "LORA");
    }

    [SkippableFact]
    public void FullyFineTunedTinyDebertaV2LoadsInTransformersWithTheSameLogits()
    {
        ReferencePython.Require();
        var model = InteropTraining.TinyFixture(_tmp, "deberta-v2", new PeftOptions(), learningRate: 3e-3);
        AssertFullModelMatches(model, ByteLevelTexts, "DebertaV2ForSequenceClassification");
    }

    /// <summary>
    /// PEFT's defaults (query_proj, value_proj; with shared attention keys they also project the relative embeddings) and
    /// the ContextPooler saved with the classifier: a base DeBERTa has no pooler, so PEFT must load it from the file.
    /// </summary>
    [SkippableFact]
    public void TinyDebertaV2LoraAdapterSavesThePoolerAndLoadsInPeftWithTheSameLogits()
    {
        ReferencePython.Require();
        var adapter = InteropTraining.TinyFixture(_tmp, "deberta-v2", Lora(null), learningRate: 1e-2);
        var config = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(adapter, AdapterFiles.ConfigFileName)))!;
        Assert.Equal(["classifier", "pooler"], config["modules_to_save"]!.AsArray().Select(n => n!.GetValue<string>()).Order());
        Assert.Equal(["query_proj", "value_proj"], config["target_modules"]!.AsArray().Select(n => n!.GetValue<string>()).Order());
        AssertAdapterMatches(adapter, ByteLevelTexts, "LORA");
    }

    /// <summary>Pythia's layout (partial rotary, parallel residual) with its last-token score head, saved without the causal checkpoint's embed_out.</summary>
    [SkippableFact]
    public void FullyFineTunedTinyGptNeoxLoadsInTransformersWithTheSameLogits()
    {
        ReferencePython.Require();
        var model = InteropTraining.TinyFixture(_tmp, "gpt_neox", new PeftOptions(), learningRate: 3e-3);
        AssertFullModelMatches(model, ByteLevelTexts, "GPTNeoXForSequenceClassification");
    }

    /// <summary>PEFT's default for gpt_neox: LoRA on the fused query_key_value, the score head saved whole.</summary>
    [SkippableFact]
    public void TinyGptNeoxLoraAdapterWithPeftDefaultsLoadsInPeftWithTheSameLogits()
    {
        ReferencePython.Require();
        var adapter = InteropTraining.TinyFixture(_tmp, "gpt_neox", Lora(null), learningRate: 1e-2);
        var config = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(adapter, AdapterFiles.ConfigFileName)))!;
        Assert.Equal(["query_key_value"], config["target_modules"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal(["score"], config["modules_to_save"]!.AsArray().Select(n => n!.GetValue<string>()));
        AssertAdapterMatches(adapter, ByteLevelTexts, "LORA");
    }

    /// <summary>PEFT's defaults (q_lin, v_lin) and both head layers saved: PEFT loads pre_classifier from the file, not at random.</summary>
    [SkippableFact]
    public void TinyDistilBertLoraAdapterSavesBothHeadLayersAndLoadsInPeftWithTheSameLogits()
    {
        ReferencePython.Require();
        var adapter = InteropTraining.TinyFixture(_tmp, "distilbert", Lora(null), learningRate: 1e-2);
        var config = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(adapter, AdapterFiles.ConfigFileName)))!;
        Assert.Equal(["classifier", "pre_classifier"], config["modules_to_save"]!.AsArray().Select(n => n!.GetValue<string>()).Order());
        AssertAdapterMatches(adapter, ByteLevelTexts, "LORA");
    }

    /// <summary>The Llama family's fixture shapes that are their own model_type: Qwen2 (q/k/v biases) and Mistral (window 4).</summary>
    public static TheoryData<string> LlamaVariants() => ["qwen2", "mistral-window"];

    [SkippableTheory]
    [MemberData(nameof(LlamaVariants))]
    public void FullyFineTunedQwen2AndMistralClassifiersLoadInTransformersWithTheSameLogits(string shape)
    {
        ReferencePython.Require();
        var model = InteropTraining.TinyFixture(_tmp, "llama", new PeftOptions(), learningRate: 3e-3, shape);
        AssertFullModelMatches(model, ByteLevelTexts, shape == "qwen2" ? "Qwen2ForSequenceClassification" : "MistralForSequenceClassification");
    }

    [SkippableTheory]
    [MemberData(nameof(LlamaVariants))]
    public void Qwen2AndMistralLoraAdaptersWithPeftDefaultsLoadInPeftWithTheSameLogits(string shape)
    {
        ReferencePython.Require();
        var adapter = InteropTraining.TinyFixture(_tmp, "llama", Lora(null), learningRate: 1e-2, shape);
        AssertAdapterMatches(adapter, ByteLevelTexts, "LORA");
    }

    [SkippableFact]
    public void FullyFineTunedTinyGpt2LoadsInTransformersWithTheSameLogits()
    {
        ReferencePython.Require();
        var model = InteropTraining.TinyFixture(_tmp, "gpt2", new PeftOptions(), learningRate: 3e-3);
        AssertFullModelMatches(model, ByteLevelTexts, "GPT2ForSequenceClassification");
    }

    /// <summary>
    /// PEFT's default for gpt2 (c_attn, a Conv1D in transformers): the adapter says fan_in_fan_out as PEFT writes it, and
    /// TuneSharp's merge of it, written back in Conv1D's [in, out] layout, loads in transformers with the adapter's logits.
    /// </summary>
    [SkippableFact]
    public void TinyGpt2LoraAdapterOnConv1DLoadsInPeftAndItsMergeInTransformersWithTheSameLogits()
    {
        ReferencePython.Require();
        var adapter = InteropTraining.TinyFixture(_tmp, "gpt2", Lora(null), learningRate: 1e-2);
        var config = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(adapter, AdapterFiles.ConfigFileName)))!;
        Assert.True(config["fan_in_fan_out"]!.GetValue<bool>());
        Assert.Equal(["c_attn"], config["target_modules"]!.AsArray().Select(n => n!.GetValue<string>()));
        AssertAdapterMatches(adapter, ByteLevelTexts, "LORA");

        var merged = _tmp.File("merged");
        AdapterMerging.Merge(PeftClassifierLoader.BaseModelDir(adapter), adapter, merged);
        AssertFullModelMatches(merged, ByteLevelTexts, "GPT2ForSequenceClassification");
    }

    [SkippableFact]
    public void FullyFineTunedLlamaClassifierLoadsInTransformersWithTheSameLogits()
    {
        ReferencePython.Require();
        var model = InteropTraining.Stories(_tmp, new PeftOptions(), learningRate: 3e-3);
        AssertFullModelMatches(model, StoryTexts, "LlamaForSequenceClassification");
    }

    [SkippableFact]
    public void LlamaLoraAdapterOnEveryLinearLoadsInPeftWithTheSameLogits()
    {
        ReferencePython.Require();
        var adapter = InteropTraining.Stories(_tmp, Lora("all-linear"), learningRate: 1e-2);
        AssertAdapterMatches(adapter, StoryTexts, "LORA");
    }

    [SkippableFact]
    public void LlamaPromptTuningAdapterLoadsInPeftWithTheSameLogits()
    {
        ReferencePython.Require();
        var adapter = InteropTraining.Stories(_tmp, PromptTuning(PromptTuningInit.SampleVocab), learningRate: 1e-2);
        AssertAdapterMatches(adapter, StoryTexts, "PROMPT_TUNING");
    }

    [SkippableFact]
    public void FullyFineTunedMiniLmLoadsInTransformersWithTheSameLogits()
    {
        ReferencePython.Require();
        var model = InteropTraining.MiniLm(_tmp, new PeftOptions(), learningRate: 1e-4);
        AssertFullModelMatches(model, EnglishTexts, "BertForSequenceClassification");
    }

    [SkippableFact]
    public void MiniLmLoraAdapterLoadsInPeftWithTheSameLogits()
    {
        ReferencePython.Require();
        var adapter = InteropTraining.MiniLm(_tmp, Lora(null), learningRate: 5e-3);
        AssertAdapterMatches(adapter, EnglishTexts, "LORA");
    }

    private static PeftOptions Lora(string? targets) =>
        new() { Method = PeftMethod.Lora, Lora = new LoraOptions { R = 4, Alpha = 8, TargetModules = targets } };

    private static PeftOptions PromptTuning(PromptTuningInit init, string? text = null) =>
        new() { Method = PeftMethod.PromptTuning, PromptTuning = new PromptTuningOptions { NumVirtualTokens = 4, Init = init, InitText = text } };

    private void AssertFullModelMatches(string modelDir, IReadOnlyList<string> texts, string architecture)
    {
        var reference = ReferencePython.Run(ReferencePython.Script(Script), ["--texts", ReferenceLogits.WriteTexts(_tmp, texts), "--model", modelDir]).Json();
        Assert.Equal(architecture, reference.GetProperty("model_class").GetString());
        // A weight under a name transformers does not know would be left at its random init with only a warning.
        var loading = reference.GetProperty("loading");
        foreach (var list in new[] { "missing_keys", "unexpected_keys", "mismatched_keys" })
            Assert.True(loading.GetProperty(list).GetArrayLength() == 0, $"transformers reports {list}: {loading.GetProperty(list)}");
        AssertSameOutputs(reference, modelDir, texts);
    }

    private void AssertAdapterMatches(string adapterDir, IReadOnlyList<string> texts, string peftType)
    {
        var baseDir = PeftClassifierLoader.BaseModelDir(adapterDir);
        var reference = ReferencePython.Run(ReferencePython.Script(Script),
            ["--texts", ReferenceLogits.WriteTexts(_tmp, texts), "--base", baseDir, "--adapter", adapterDir]).Json();
        Assert.Equal("PeftModelForSequenceClassification", reference.GetProperty("model_class").GetString());
        var loading = reference.GetProperty("loading");
        Assert.Equal(peftType, loading.GetProperty("peft_type").GetString());
        // PEFT loads adapter tensors with strict=False: only equal names prove every saved tensor found its module.
        Assert.Equal(Strings(loading.GetProperty("keys_peft_saves")), Strings(loading.GetProperty("keys_in_file")));
        if (peftType == "LORA")
        {
            // Trained B matrices: a zero B (LoRA's initial value) would make the adapter a no-op and the comparison vacuous.
            var weights = SafeTensors.Load(Path.Combine(adapterDir, AdapterFiles.WeightsFileName));
            foreach (var (name, tensor) in weights.Where(w => w.Key.Contains("lora_B")))
                Assert.True(tensor.abs().max().item<float>() > 1e-4, $"{name} is still zero after training");
        }
        AssertSameOutputs(reference, adapterDir, texts);
    }

    /// <summary>TuneSharp opens the folder as <c>tunesharp predict</c> does and must give the reference's ids, logits and probabilities.</summary>
    private void AssertSameOutputs(JsonElement reference, string folder, IReadOnlyList<string> texts)
    {
        using var pipeline = TextClassificationPipeline.FromPretrained(folder);
        Assert.Equal(pipeline.Labels, Enumerable.Range(0, pipeline.Labels.Count).Select(i => reference.GetProperty("id2label").GetProperty($"{i}").GetString()));
        var logits = ReferenceLogits.AssertSameLogits(reference, pipeline.Model, pipeline.Tokenizer, texts);
        var probabilities = ReferenceLogits.AssertSameProbabilities(reference, pipeline, texts);
        output.WriteLine($"{reference.GetProperty("base_class").GetString()} via {reference.GetProperty("model_class").GetString()} " +
            $"(torch {reference.GetProperty("torch").GetString()}, transformers {reference.GetProperty("transformers").GetString()}, " +
            $"{reference.GetProperty("tokenizer_class").GetString()}): max |logit diff| {logits:E2} one text at a time, " +
            $"max |probability diff| {probabilities:E2} in one padded batch");
    }

    private static string[] Strings(JsonElement array) => array.EnumerateArray().Select(e => e.GetString()!).ToArray();

    public void Dispose() => _tmp.Dispose();
}
