using TuneSharp.Peft;
using TuneSharp.Peft.PromptTuning;
using TuneSharp.Tasks.SequenceClassification;
using TuneSharp.Tasks.TextClassification;
using TuneSharp.Tests.Tasks.SequenceClassification;
using TuneSharp.Tests.Tasks.TextClassification;
using TuneSharp.Tests.Training;
using TuneSharp.Training;
using static TorchSharp.torch;

namespace TuneSharp.Tests.Peft;

/// <summary>
/// Prompt tuning's forward pass, initialisation and training. The key check: a prompt equal to the embeddings of
/// some real tokens must give exactly what the base model gives with those tokens written in front of the input,
/// which proves the mask, positions, token types and last-token pooling are all shifted correctly.
/// </summary>
[Collection(TorchRandomCollection.Name)]
public class PromptTuningTests
{
    private const double Tolerance = 1e-6;

    // Tiny BERT vocabulary (TinyTextClassification.Vocab): [PAD]=0 [UNK]=1 [CLS]=2 [SEP]=3 [MASK]=4 good=5 bad=6 w0=7 ...
    private static (Tensor Ids, Tensor Mask, Tensor Types) BertBatch() => (
        TinyClassifiers.Long(new long[,] { { 2, 5, 7, 8, 3, 9, 10, 3 }, { 2, 11, 6, 3, 0, 0, 0, 0 } }),
        TinyClassifiers.Long(new long[,] { { 1, 1, 1, 1, 1, 1, 1, 1 }, { 1, 1, 1, 1, 0, 0, 0, 0 } }),
        TinyClassifiers.Long(new long[,] { { 0, 0, 0, 0, 0, 1, 1, 1 }, { 0, 0, 0, 0, 0, 0, 0, 0 } }));

    private static Tensor Run(Func<Tensor> forward)
    {
        using var noGrad = no_grad();
        return forward();
    }

    /// <summary>[rows of <paramref name="prefix"/>, then <paramref name="input"/>] along the sequence.</summary>
    private static Tensor Prefixed(long[] prefix, Tensor input)
    {
        var rows = tensor(prefix).unsqueeze(0).expand(input.shape[0], -1).to_type(input.dtype);
        return cat([rows, input], 1);
    }

    private static void AssertClose(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.shape, actual.shape);
        var diff = TinyTextClassification.MaxAbsDiff(expected, actual);
        Assert.True(diff <= Tolerance, $"max |diff| = {diff}");
    }

    [Fact]
    public void BertForwardOnWordEmbeddingsIsBitIdenticalToForwardOnIds()
    {
        using var model = TinyTextClassification.Model(initSeed: 11);
        model.eval();
        var (ids, mask, types) = BertBatch();
        var fromIds = Run(() => model.Forward(ids, mask, types));
        var fromEmbeddings = Run(() => model.ForwardEmbeddings(model.InputEmbeddings.call(ids), mask, types));
        Assert.True(TinyTextClassification.Identical(fromIds, fromEmbeddings));
    }

    [Fact]
    public void LlamaForwardOnWordEmbeddingsIsBitIdenticalToForwardOnIds()
    {
        using var model = TinyClassifiers.Llama(new SequenceClassificationOptions { NumLabels = 3 });
        var ids = TinyClassifiers.Long(new long[,] { { 1, 5, 9, 12, 4 }, { 0, 0, 1, 7, 3 }, { 1, 8, 2, 0, 0 } });
        var mask = TinyClassifiers.Long(new long[,] { { 1, 1, 1, 1, 1 }, { 0, 0, 1, 1, 1 }, { 1, 1, 1, 0, 0 } });
        var fromIds = Run(() => model.Forward(ids, mask, null));
        var fromEmbeddings = Run(() => model.ForwardEmbeddings(model.InputEmbeddings.call(ids), mask, null));
        Assert.True(TinyTextClassification.Identical(fromIds, fromEmbeddings));
    }

    [Fact]
    public void TextInitIsTheInitTextsEmbeddingsWithSpecialTokensAsPeftTokenizesIt()
    {
        using var dir = new TempDir();
        var tokenizer = TinyTextClassification.Tokenizer(dir.Path);
        foreach (var (count, expected) in new[]
        {
            (5, new long[] { 2, 5, 8, 6, 3 }),        // [CLS] good w1 bad [SEP]: exactly the text
            (7, new long[] { 2, 5, 8, 6, 3, 2, 5 }),  // repeated
            (3, new long[] { 2, 5, 8 }),              // cut
        })
        {
            using var model = TinyTextClassification.Model(initSeed: 12);
            var adapter = PromptTuningModel.Apply(model, new PromptTuningOptions { NumVirtualTokens = count, Init = PromptTuningInit.Text, InitText = "good w1 bad" },
                tokenizer, baseModelNameOrPath: dir.Path);
            var words = model.InputEmbeddings.call(tensor(expected));
            Assert.True(TinyTextClassification.Identical(words, adapter.Prompt.weight!));
            Assert.Equal(ScalarType.Float32, adapter.Prompt.weight!.dtype);
            Assert.Equal(dir.Path, adapter.TokenizerNameOrPath);
        }
    }

    [Fact]
    public void BertPromptFromTextEqualsTheBaseModelWithThoseTokensInFront()
    {
        using var dir = new TempDir();
        using var model = TinyTextClassification.Model(initSeed: 13);
        model.eval();
        var (ids, mask, types) = BertBatch();
        var initIds = new long[] { 2, 5, 8, 6, 3 }; // [CLS] good w1 bad [SEP]
        var expected = Run(() => model.Forward(Prefixed(initIds, ids), Prefixed([1, 1, 1, 1, 1], mask), Prefixed([0, 0, 0, 0, 0], types)));

        var adapter = PromptTuningModel.Apply(model, new PromptTuningOptions { NumVirtualTokens = 5, Init = PromptTuningInit.Text, InitText = "good w1 bad" },
            TinyTextClassification.Tokenizer(dir.Path));
        AssertClose(expected, Run(() => adapter.Classifier.Forward(ids, mask, types)));
        // Without token type ids BERT uses zeros, before and after the prompt.
        var noTypes = Run(() => model.Forward(Prefixed(initIds, ids), Prefixed([1, 1, 1, 1, 1], mask), null));
        AssertClose(noTypes, Run(() => adapter.Classifier.Forward(ids, mask, null)));
        Assert.Equal(5, adapter.Classifier.NumVirtualTokens);
    }

    [Fact]
    public void LlamaPromptEqualsTheBaseModelWithThoseTokensInFrontWithRightAndLeftPadding()
    {
        using var model = TinyClassifiers.Llama(new SequenceClassificationOptions { NumLabels = 3 });
        var promptIds = new long[] { 1, 17, 23, 4 };
        var right = (Ids: TinyClassifiers.Long(new long[,] { { 5, 9, 12, 6, 30 }, { 7, 3, 0, 0, 0 } }),
                     Mask: TinyClassifiers.Long(new long[,] { { 1, 1, 1, 1, 1 }, { 1, 1, 0, 0, 0 } }));
        var left = (Ids: TinyClassifiers.Long(new long[,] { { 5, 9, 12, 6, 30 }, { 0, 0, 0, 7, 3 } }),
                    Mask: TinyClassifiers.Long(new long[,] { { 1, 1, 1, 1, 1 }, { 0, 0, 0, 1, 1 } }));
        var expectedRight = Run(() => model.Forward(Prefixed(promptIds, right.Ids), Prefixed([1, 1, 1, 1], right.Mask), null));
        var expectedLeft = Run(() => model.Forward(Prefixed(promptIds, left.Ids), Prefixed([1, 1, 1, 1], left.Mask), null));

        var adapter = PromptTuningModel.Apply(model, new PromptTuningOptions { NumVirtualTokens = 4 });
        using (no_grad()) adapter.Prompt.weight!.copy_(model.InputEmbeddings.call(tensor(promptIds)));
        var tunedRight = Run(() => adapter.Classifier.Forward(right.Ids, right.Mask, null));
        var tunedLeft = Run(() => adapter.Classifier.Forward(left.Ids, left.Mask, null));
        AssertClose(expectedRight, tunedRight);
        AssertClose(expectedLeft, tunedLeft);
        // The padding side does not matter: pooling finds each row's last real token behind the prompt either way.
        Assert.True(TinyTextClassification.MaxAbsDiff(tunedRight, tunedLeft) <= 1e-5);
        // And a padded row scores as it does alone.
        var alone = Run(() => adapter.Classifier.Forward(TinyClassifiers.Long(new long[,] { { 7, 3 } }), TinyClassifiers.Long(new long[,] { { 1, 1 } }), null));
        Assert.True(TinyTextClassification.MaxAbsDiff(alone[0], tunedRight[1]) <= 1e-5);
    }

    [Fact]
    public void RandomAndSampleVocabInitsFollowPeft()
    {
        using var model = TinyTextClassification.Model(initSeed: 14);
        manual_seed(3);
        var random = PromptTuningModel.Apply(model, new PromptTuningOptions { NumVirtualTokens = 50 });
        var weight = random.Prompt.weight!;
        Assert.Equal(new long[] { 50, 16 }, weight.shape);
        // nn.Embedding's Normal(0, 1) over 800 values.
        Assert.InRange(weight.mean().item<float>(), -0.15, 0.15);
        Assert.InRange(weight.std().item<float>(), 0.9, 1.1);

        using var other = TinyTextClassification.Model(initSeed: 14);
        var sampled = PromptTuningModel.Apply(other, new PromptTuningOptions { NumVirtualTokens = 6, Init = PromptTuningInit.SampleVocab });
        var words = other.InputEmbeddings.weight!;
        for (int i = 0; i < 6; i++)
        {
            var row = sampled.Prompt.weight![i];
            Assert.True(Enumerable.Range(0, (int)words.shape[0]).Any(v => TinyTextClassification.Identical(words[v], row)), $"prompt row {i} is no word embedding");
        }
    }

    [Fact]
    public void ApplyFreezesTheBaseAndTrainsOnlyThePromptAndTheHead()
    {
        using var model = TinyTextClassification.Model(initSeed: 15);
        var (_, allBefore) = PeftSummary.Count(model);
        var adapter = PromptTuningModel.Apply(model, new PromptTuningOptions { NumVirtualTokens = 4 });
        Assert.Same(model, adapter.Classifier.Module);
        Assert.Same(model, adapter.Model);
        Assert.Equal(["classifier"], adapter.ModulesToSave);
        Assert.Equal(new HashSet<string> { "prompt_encoder.weight", "classifier.weight", "classifier.bias" }, PeftTestSupport.Trainable(model));
        var (trainable, all) = PeftSummary.Count(model);
        Assert.Equal(4 * 16 + 2 * 16 + 2, trainable);
        Assert.Equal(allBefore + 4 * 16, all);
        Assert.Equal("PROMPT_TUNING", adapter.PeftType);
        Assert.Contains("4 virtual tokens", adapter.Describe());

        var again = Assert.Throws<PeftException>(() => PromptTuningModel.Apply(model, new PromptTuningOptions()));
        Assert.Contains("already has a prompt", again.Message);
        Assert.Throws<PeftException>(() => PromptTuningModel.Apply(adapter.Classifier, new PromptTuningOptions()));
    }

    [Fact]
    public void TrainingMovesOnlyThePromptAndTheHead()
    {
        using var dir = new TempDir();
        using var model = TinyTextClassification.Model(initSeed: 16);
        var adapter = PromptTuningModel.Apply(model, new PromptTuningOptions { NumVirtualTokens = 4 });
        var expected = new HashSet<string> { "prompt_encoder.weight", "classifier.weight", "classifier.bias" };

        // What the trainer hands AdamW: exactly the prompt and the head.
        using var optimizer = OptimizerSetup.CreateAdamW(OptimizerSetup.TrainableParameters(model), new TrainingArguments { OutputDir = dir.Path });
        var handles = model.named_parameters().ToDictionary(p => p.parameter.Handle, p => p.name);
        var inOptimizer = optimizer.ParamGroups.Cast<TorchSharp.Modules.AdamW.ParamGroup>().SelectMany(g => g.Parameters).Select(p => handles[p.Handle]).ToList();
        Assert.Equal(expected.Count, inOptimizer.Count);
        Assert.Equal(expected, inOptimizer.ToHashSet());

        var before = TinyTextClassification.Snapshot(model);
        var task = new TextClassificationTask(adapter.Classifier, TinyTextClassification.Tokenizer(dir.Path), TinyTextClassification.Dataset(24, seed: 1),
            null, maxLength: 32, tokenizerDir: dir.Path);
        var args = new TrainingArguments
        {
            OutputDir = Path.Combine(dir.Path, "out"), PerDeviceTrainBatchSize = 8, NumTrainEpochs = 2, LearningRate = 1e-2,
            LoggingSteps = 1, Seed = 42, SaveStrategy = IntervalStrategy.No,
        };
        var result = new Trainer(new PeftTrainingTask(task, adapter), args).Train();

        Assert.Equal(6, result.GlobalStep);
        Assert.Equal(expected, PeftTestSupport.Changed(model, before)); // every base tensor bit-identical, the prompt and head moved
        Assert.Equal(expected, PeftTestSupport.Trainable(model));
    }

    [Fact]
    public void InputsThatDoNotFitBertsPositionsWithThePromptAreRefusedClearly()
    {
        using var model = TinyTextClassification.Model(initSeed: 17); // 64 positions
        var adapter = PromptTuningModel.Apply(model, new PromptTuningOptions { NumVirtualTokens = 20 });
        var ids = zeros(1, 50, dtype: ScalarType.Int64);
        var error = Assert.Throws<PeftException>(() => Run(() => adapter.Classifier.Forward(ids, ones_like(ids), null)));
        Assert.Contains("50 tokens", error.Message);
        Assert.Contains("20 virtual tokens", error.Message);
        Assert.Contains("at most 44", error.Message);
        Assert.Throws<PeftException>(() => adapter.Classifier.SavePretrained(Path.GetTempPath()));
    }

    [Fact]
    public void OptionsAreValidatedWithClearMessages()
    {
        Assert.Contains("at least one virtual token", Assert.Throws<PeftException>(() => new PromptTuningOptions { NumVirtualTokens = 0 }.Validate()).Message);
        Assert.Contains("needs an init text", Assert.Throws<PeftException>(() => new PromptTuningOptions { Init = PromptTuningInit.Text }.Validate()).Message);
        Assert.Contains("only used with prompt_tuning_init TEXT",
            Assert.Throws<PeftException>(() => new PromptTuningOptions { Init = PromptTuningInit.SampleVocab, InitText = "x" }.Validate()).Message);
        new PromptTuningOptions().Validate();

        using var model = TinyTextClassification.Model(initSeed: 18);
        var noTokenizer = Assert.Throws<PeftException>(() =>
            PromptTuningModel.Apply(model, new PromptTuningOptions { Init = PromptTuningInit.Text, InitText = "good" }, tokenizerForTextInit: null));
        Assert.Contains("needs the model's tokenizer", noTokenizer.Message);
        Assert.DoesNotContain(model.named_children(), c => c.name == PromptTuningModel.PromptModuleName); // nothing was changed
    }
}
