using TuneSharp.Tasks.CausalLm;
using System.Text.Json.Nodes;
using TuneSharp.Architectures.Bert;
using TuneSharp.Architectures.Llama;
using TuneSharp.Checkpoints;
using TuneSharp.Tasks.SequenceClassification;
using static TorchSharp.torch;

namespace TuneSharp.Tests.Tasks.SequenceClassification;

/// <summary>SavePretrained writes a transformers-compatible folder that FromPretrained restores exactly.</summary>
public class SaveLoadTests
{
    private static readonly long[,] Ids = { { 2, 7, 9, 11, 3, 0 }, { 2, 5, 6, 3, 0, 0 } };
    private static readonly long[,] Mask = { { 1, 1, 1, 1, 1, 0 }, { 1, 1, 1, 1, 0, 0 } };

    [Fact]
    public void BertRoundTripRestoresTheHeadAndTheLogits()
    {
        using var dir = new TempDir();
        manual_seed(21);
        using var original = TinyClassifiers.Bert(new() { NumLabels = 3, Id2Label = TinyClassifiers.Sentiment });
        original.SavePretrained(dir.Path);

        var (loaded, report) = SequenceClassifierFactory.FromPretrained(dir.Path, new());
        using var module = loaded.Module;
        Assert.True(report.IsClean, report.ToString());
        Assert.Equal(3, loaded.NumLabels);
        Assert.Equal(ProblemType.SingleLabelClassification, loaded.ProblemType);
        Assert.Equal(TinyClassifiers.Sentiment, loaded.Config.Id2Label);
        AssertSameLogits(original, loaded);

        var config = ReadConfig(dir);
        Assert.Equal("[\"BertForSequenceClassification\"]", config["architectures"]!.ToJsonString());
        Assert.Equal("{\"0\":\"negative\",\"1\":\"neutral\",\"2\":\"positive\"}", config["id2label"]!.ToJsonString());
        Assert.Equal("{\"negative\":0,\"neutral\":1,\"positive\":2}", config["label2id"]!.ToJsonString());
        Assert.Equal("single_label_classification", config["problem_type"]!.GetValue<string>());
        Assert.Equal("bert", config["model_type"]!.GetValue<string>());
        Assert.Equal("float32", config["torch_dtype"]!.GetValue<string>());
        Assert.False(config.ContainsKey("num_labels")); // implied by id2label, as transformers writes it

        var names = ModelWeights.ReadInfos(dir.Path).Select(i => i.Name).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(original.state_dict().Keys.Order(StringComparer.Ordinal), names);
        Assert.Contains("bert.embeddings.word_embeddings.weight", names);
        Assert.Contains("bert.encoder.layer.0.attention.self.query.weight", names);
        Assert.Contains("classifier.weight", names);
        Assert.Contains("classifier.bias", names);
    }

    [Fact]
    public void LlamaRoundTripRestoresTheScoreAndWritesNoLmHead()
    {
        using var dir = new TempDir();
        manual_seed(22);
        using var original = TinyClassifiers.Llama(new() { NumLabels = 1, ProblemType = ProblemType.Regression });
        original.SavePretrained(dir.Path);

        var (loaded, report) = SequenceClassifierFactory.FromPretrained(dir.Path, new());
        using var module = loaded.Module;
        Assert.True(report.IsClean, report.ToString());
        Assert.Equal(1, loaded.NumLabels);
        Assert.Equal(ProblemType.Regression, loaded.ProblemType);
        AssertSameLogits(original, loaded);

        var config = ReadConfig(dir);
        Assert.Equal("[\"LlamaForSequenceClassification\"]", config["architectures"]!.ToJsonString());
        Assert.Equal("{\"0\":\"LABEL_0\"}", config["id2label"]!.ToJsonString());
        Assert.Equal("regression", config["problem_type"]!.GetValue<string>());

        var names = ModelWeights.ReadInfos(dir.Path).Select(i => i.Name).ToList();
        Assert.Contains("score.weight", names);
        Assert.Contains("model.layers.0.self_attn.q_proj.weight", names);
        Assert.DoesNotContain(names, n => n.StartsWith("lm_head", StringComparison.Ordinal));
        Assert.DoesNotContain("score.bias", names);
    }

    [Fact]
    public void ASavedHeadOfAnotherSizeIsAClearError()
    {
        using var dir = new TempDir();
        using (var original = TinyClassifiers.Bert(new() { NumLabels = 3 })) original.SavePretrained(dir.Path);

        var error = Assert.Throws<SequenceClassificationException>(() => SequenceClassifierFactory.FromPretrained(dir.Path, new() { NumLabels = 2 }));
        Assert.Contains("3 labels", error.Message);
        Assert.Contains("2 labels were requested", error.Message);
        Assert.Contains("classifier.weight", error.Message);
        Assert.Contains("IgnoreMismatchedSizes", error.Message);
    }

    [Fact]
    public void IgnoreMismatchedSizesReplacesTheHeadAndKeepsTheEncoder()
    {
        using var dir = new TempDir();
        using var original = TinyClassifiers.Bert(new() { NumLabels = 3, Id2Label = TinyClassifiers.Sentiment });
        original.SavePretrained(dir.Path);

        var (loaded, report) = SequenceClassifierFactory.FromPretrained(dir.Path, new() { NumLabels = 2, IgnoreMismatchedSizes = true });
        using var module = loaded.Module;
        Assert.Equal(["classifier.weight", "classifier.bias"], report.MismatchedKeys.Select(m => m.Name));
        Assert.Empty(report.MissingKeys);
        Assert.Empty(report.UnexpectedKeys);
        Assert.Equal(2, loaded.NumLabels);
        Assert.Equal(new Dictionary<int, string> { [0] = "LABEL_0", [1] = "LABEL_1" }, loaded.Config.Id2Label);
        var bert = Assert.IsType<BertForSequenceClassification>(loaded);
        Assert.Equal(new long[] { 2, 16 }, bert.Classifier.weight!.shape);
        Assert.True(TinyClassifiers.Identical(original.state_dict()["bert.encoder.layer.1.output.dense.weight"], bert.state_dict()["bert.encoder.layer.1.output.dense.weight"]));
    }

    [Fact]
    public void DropoutOverridesReachTheModelAndTheSavedConfig()
    {
        using var dir = new TempDir();
        using (var original = TinyClassifiers.Bert(new() { NumLabels = 2 })) original.SavePretrained(dir.Path);
        using var ids = TinyClassifiers.Long(Ids);
        using var mask = TinyClassifiers.Long(Mask);

        var (withDropout, _) = SequenceClassifierFactory.FromPretrained(dir.Path, new());
        using (withDropout.Module)
        {
            withDropout.Module.train();
            using var a = withDropout.Forward(ids, mask, null);
            using var b = withDropout.Forward(ids, mask, null);
            Assert.False(TinyClassifiers.Identical(a, b), "dropout 0.1 in train mode should make two passes differ");
        }

        var (without, _) = SequenceClassifierFactory.FromPretrained(dir.Path, new() { HiddenDropoutOverride = 0, AttentionDropoutOverride = 0 });
        using (without.Module)
        {
            var config = Assert.IsType<TuneSharp.Architectures.Bert.BertConfig>(without.Config);
            Assert.Equal(0, config.HiddenDropoutProb);
            Assert.Equal(0, config.AttentionProbsDropoutProb);
            without.Module.train();
            using var a = without.Forward(ids, mask, null);
            using var b = without.Forward(ids, mask, null);
            Assert.True(TinyClassifiers.Identical(a, b), "with every dropout at 0, train mode must be deterministic");
        }
    }

    private static void AssertSameLogits(ISequenceClassifier original, ISequenceClassifier loaded)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ids = TinyClassifiers.Long(Ids);
        var mask = TinyClassifiers.Long(Mask);
        Assert.True(TinyClassifiers.Identical(original.Forward(ids, mask, null), loaded.Forward(ids, mask, null)), "reloaded logits differ");
    }

    private static JsonObject ReadConfig(TempDir dir) => JsonNode.Parse(File.ReadAllText(dir.File("config.json")))!.AsObject();
}
