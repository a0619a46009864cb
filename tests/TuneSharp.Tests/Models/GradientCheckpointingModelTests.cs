using TuneSharp.Models;
using TuneSharp.Peft.Lora;
using TuneSharp.Tasks.SequenceClassification;
using TuneSharp.Tests.Tasks.SequenceClassification;
using TuneSharp.Tests.Training;
using static TorchSharp.torch;

namespace TuneSharp.Tests.Models;

/// <summary>
/// <c>GradientCheckpointing</c> on the real model classes: the same loss and the same gradients as without it, with
/// dropout active (the recomputed layers must draw the same dropout masks), for BERT, Llama, DeBERTa-v2/v3 and a LoRA-adapted BERT
/// whose embeddings are frozen (the first checkpointed layer's input then needs no gradient).
/// </summary>
[Collection(TorchRandomCollection.Name)]
public class GradientCheckpointingModelTests
{
    private static (double Loss, Dictionary<string, Tensor> Grads, Tensor NextRandom) LossAndGradients(ISequenceClassifier model, bool checkpointing, int seed)
    {
        model.GradientCheckpointing = checkpointing;
        model.Module.train();
        foreach (var p in model.Module.parameters()) p.grad = null;
        manual_seed(seed);
        var ids = TinyClassifiers.Long(new long[,] { { 1, 5, 9, 12, 7, 3 }, { 1, 7, 3, 8, 0, 0 }, { 1, 4, 4, 2, 6, 0 } });
        var mask = TinyClassifiers.Long(new long[,] { { 1, 1, 1, 1, 1, 1 }, { 1, 1, 1, 1, 0, 0 }, { 1, 1, 1, 1, 1, 0 } });
        var logits = model.Forward(ids, mask, zeros_like(ids));
        var loss = nn.functional.cross_entropy(logits, tensor(new long[] { 0, 1, 2 }));
        loss.backward();
        var grads = model.Module.named_parameters().Where(p => p.parameter.grad is not null)
            .ToDictionary(p => p.name, p => p.parameter.grad!.clone());
        return (loss.item<float>(), grads, rand(4)); // the generator's state after backward: the rest of the run must draw the same numbers
    }

    private static void AssertSameAsWithout(ISequenceClassifier model, int expectedGradients)
    {
        var plain = LossAndGradients(model, checkpointing: false, seed: 11);
        var recomputed = LossAndGradients(model, checkpointing: true, seed: 11);
        Assert.Equal(plain.Loss, recomputed.Loss);
        Assert.Equal(expectedGradients, plain.Grads.Count);
        Assert.Equal(plain.Grads.Keys.Order(), recomputed.Grads.Keys.Order());
        foreach (var (name, grad) in plain.Grads)
        {
            Assert.True(grad.abs().max().item<float>() > 0 || name.Contains("position") || name.Contains("token_type"), $"{name} has a zero gradient");
            Assert.True(TinyClassifiers.Identical(grad, recomputed.Grads[name]), $"{name}: max diff {TinyClassifiers.MaxAbsDiff(grad, recomputed.Grads[name])}");
        }
        Assert.True(TinyClassifiers.Identical(plain.NextRandom, recomputed.NextRandom));
        // Dropout was really active: another seed gives another loss.
        Assert.NotEqual(plain.Loss, LossAndGradients(model, checkpointing: true, seed: 12).Loss);
    }

    [Fact]
    public void BertGradientsAreUnchanged()
    {
        var config = TinyModels.Bert();
        config.HiddenDropoutProb = 0.2;
        config.AttentionProbsDropoutProb = 0.2;
        using var model = TinyClassifiers.Bert(new SequenceClassificationOptions { NumLabels = 3 }, config);
        AssertSameAsWithout(model, model.named_parameters().Count());
    }

    [Fact]
    public void LlamaGradientsAreUnchanged()
    {
        using var model = TinyClassifiers.Llama(new SequenceClassificationOptions { NumLabels = 3 }, TinyModels.Llama(attentionDropout: 0.2));
        AssertSameAsWithout(model, model.named_parameters().Count());
    }

    /// <summary>DeBERTa-v3's layout: the relative table (trainable, shared by every layer) gets the same gradient too.</summary>
    [Fact]
    public void DebertaV3GradientsAreUnchanged()
    {
        using var model = DebertaClassifier(TinyModels.DebertaV2(dropout: 0.2));
        AssertSameAsWithout(model, model.named_parameters().Count());
    }

    /// <summary>The older layout: own position projections, clamped distances, absolute positions, embed_proj and the convolution after layer 0.</summary>
    [Fact]
    public void DebertaV2WithItsConvolutionGradientsAreUnchanged()
    {
        var config = TinyModels.DebertaV2(dropout: 0.2);
        config.NumHiddenLayers = 3;
        config.ShareAttKey = false;
        config.PositionBuckets = -1;
        config.MaxRelativePositions = 3;
        config.NormRelEbd = "none";
        config.PositionBiasedInput = true;
        config.TypeVocabSize = 2;
        config.EmbeddingSize = 8;
        config.ConvKernelSize = 3;
        config.ConvAct = "gelu";
        using var model = DebertaClassifier(config);
        AssertSameAsWithout(model, model.named_parameters().Count());
    }

    private static TuneSharp.Architectures.DebertaV2.DebertaV2ForSequenceClassification DebertaClassifier(TuneSharp.Architectures.DebertaV2.DebertaV2Config config)
    {
        SequenceClassificationConfig.Apply(config, new SequenceClassificationOptions { NumLabels = 3 });
        return new TuneSharp.Architectures.DebertaV2.DebertaV2ForSequenceClassification(config);
    }

    [Fact]
    public void LoraOnAFrozenBaseGetsTheSameAdapterGradients()
    {
        var config = TinyModels.Bert();
        config.HiddenDropoutProb = 0.2;
        using var model = TinyClassifiers.Bert(new SequenceClassificationOptions { NumLabels = 3 }, config);
        var lora = LoraModel.Apply(model, new LoraOptions { R = 2 });
        using (no_grad())
            foreach (var layer in lora.Layers) layer.LoraB.weight!.normal_(0, 0.1); // non-zero B so that A gets gradients too
        AssertSameAsWithout(model, 2 * lora.Layers.Count + 2);
    }

    [Fact]
    public void EvaluationIgnoresTheSetting()
    {
        using var model = TinyClassifiers.Bert(new SequenceClassificationOptions { NumLabels = 3 });
        var ids = TinyClassifiers.Long(new long[,] { { 1, 5, 9, 12 } });
        var mask = ones_like(ids);
        model.eval();
        var plain = model.Forward(ids, mask, null);
        model.GradientCheckpointing = true;
        var withSetting = model.Forward(ids, mask, null);
        Assert.True(TinyClassifiers.Identical(plain, withSetting));
        Assert.True(withSetting.requires_grad); // gradients still flow in eval mode with grad enabled (no checkpoint node needed)
    }
}
