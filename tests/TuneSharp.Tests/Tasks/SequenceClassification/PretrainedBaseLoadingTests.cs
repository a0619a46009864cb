using TuneSharp.Tasks.CausalLm;
using TuneSharp.Architectures.Bert;
using TuneSharp.Architectures.Llama;
using TuneSharp.Tasks.SequenceClassification;
using TuneSharp.Tests.Models;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace TuneSharp.Tests.Tasks.SequenceClassification;

/// <summary>Base checkpoints from ../shared load into classifiers: encoder/decoder restored, only the new head reported.</summary>
public class PretrainedBaseLoadingTests(ITestOutputHelper output)
{
    [SkippableFact]
    public void MiniLmLoadsTheEncoderExactlyAndReportsOnlyTheNewClassifier()
    {
        var dir = SharedData.RequireModel("all-MiniLM-L6-v2");
        manual_seed(7);
        var (classifier, report) = SequenceClassifierFactory.FromPretrained(dir, new() { NumLabels = 2 });
        using var module = classifier.Module;
        output.WriteLine(report.ToString());

        Assert.Equal(["classifier.weight", "classifier.bias"], report.MissingKeys);
        Assert.Empty(report.UnexpectedKeys);
        Assert.Empty(report.MismatchedKeys);
        Assert.Contains("Some weights of BertForSequenceClassification were not initialized from the model checkpoint and are newly initialized: ['classifier.weight', 'classifier.bias']", report.ToString());

        var bert = Assert.IsType<BertForSequenceClassification>(classifier);
        Assert.False(bert.training);
        var golden = GoldenFiles.Read("all-MiniLM-L6-v2", "golden_hidden.json");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ids = GoldenFiles.LongTensor(GoldenFiles.IntRows(golden["input_ids"]));
        var mask = GoldenFiles.LongTensor(GoldenFiles.IntRows(golden["attention_mask"]));
        var (reference, _) = GoldenFiles.LoadMiniLm();
        var expected = reference.forward(ids, mask);
        var actual = bert.Bert.forward(ids, mask);
        Assert.True(TinyClassifiers.Identical(expected.LastHiddenState, actual.LastHiddenState), "encoder hidden states differ from BertModel.FromPretrained's");
        Assert.True(TinyClassifiers.Identical(expected.PoolerOutput!, actual.PoolerOutput!), "pooler outputs differ from BertModel.FromPretrained's");

        // In eval mode dropout is off, so the logits are exactly the head applied to the pooled output.
        var logits = classifier.Forward(ids, mask, null);
        Assert.Equal(ScalarType.Float32, logits.dtype);
        Assert.Equal(new long[] { 10, 2 }, logits.shape);
        var manual = expected.PoolerOutput!.matmul(bert.Classifier.weight!.t()) + bert.Classifier.bias!;
        Assert.True(TinyClassifiers.MaxAbsDiff(manual, logits) < 1e-6);

        // The head is transformers' new-head init: std 0.02 (768 draws: 4 standard errors ≈ ±0.002), bias 0.
        var std = bert.Classifier.weight!.std().item<float>();
        output.WriteLine($"classifier.weight std {std:F5} (expected 0.02)");
        Assert.InRange(std, 0.018, 0.022);
        Assert.True(bert.Classifier.bias!.eq(0).all().item<bool>());
    }

    [SkippableFact]
    public void Stories260KLoadsTheDecoderExactlyAndIgnoresTheLmHead()
    {
        var dir = SharedData.RequireModel("stories260K");
        var (classifier, report) = SequenceClassifierFactory.FromPretrained(dir, new() { NumLabels = 3 });
        using var module = classifier.Module;
        output.WriteLine(report.ToString());

        // The checkpoint stores lm_head.weight; a classifier has no place for it and that is expected, not reported.
        Assert.Equal(["score.weight"], report.MissingKeys);
        Assert.Empty(report.UnexpectedKeys);
        Assert.Empty(report.MismatchedKeys);

        var llama = Assert.IsType<LastTokenClassifier>(classifier);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ids = TinyClassifiers.Long(new long[,] { { 1, 403, 407, 261, 378 }, { 0, 0, 1, 500, 28 } });
        var mask = TinyClassifiers.Long(new long[,] { { 1, 1, 1, 1, 1 }, { 0, 0, 1, 1, 1 } });
        var (reference, _) = GoldenFiles.LoadStories();
        Assert.True(TinyClassifiers.Identical(reference.Backbone.Decode(ids, null, mask), llama.Backbone.Forward(ids, null, mask, null).LastHiddenState),
            "decoder hidden states differ from AutoModelForCausalLM.FromPretrained's");
        Assert.Equal(new long[] { 2, 3 }, classifier.Forward(ids, mask, null).shape);
    }

    [SkippableFact]
    public void DtypeOptionLoadsTheWeightsInThatTypeButLogitsAreFloat32()
    {
        var dir = SharedData.RequireModel("stories260K");
        var (classifier, _) = SequenceClassifierFactory.FromPretrained(dir, new() { NumLabels = 2, DType = ScalarType.BFloat16 });
        using var module = classifier.Module;
        Assert.All(module.parameters(), p => Assert.Equal(ScalarType.BFloat16, p.dtype));
        using var ids = TinyClassifiers.Long(new long[,] { { 1, 403, 407 } });
        using var mask = ones_like(ids);
        using var logits = classifier.Forward(ids, mask, null);
        Assert.Equal(ScalarType.Float32, logits.dtype);
    }
}
