using TuneSharp.Checkpoints;
using TuneSharp.Peft.Lora;
using TuneSharp.Tasks.SequenceClassification;
using TuneSharp.Tests.Tasks.SequenceClassification;
using TuneSharp.Tests.Tasks.TextClassification;
using TuneSharp.Tests.Training;
using static TorchSharp.torch;

namespace TuneSharp.Tests.Peft;

[Collection(TorchRandomCollection.Name)]
public class LoraLlamaAndDropoutTests
{
    private static readonly Tensor Ids = TinyClassifiers.Long(new long[,] { { 1, 5, 9, 12 }, { 1, 7, 3, 0 } });
    private static readonly Tensor Mask = TinyClassifiers.Long(new long[,] { { 1, 1, 1, 1 }, { 1, 1, 1, 0 } });

    private static Tensor Logits(ISequenceClassifier model)
    {
        model.Module.eval();
        using var noGrad = no_grad();
        return model.Forward(Ids, Mask, null);
    }

    [Fact]
    public void ALlamaAdapterRoundTripsWithPeftKeyNames()
    {
        using var dir = new TempDir();
        manual_seed(21);
        using var model = TinyClassifiers.Llama(new SequenceClassificationOptions { NumLabels = 3 });
        var baseDir = Path.Combine(dir.Path, "base");
        model.SavePretrained(baseDir);
        var lora = LoraModel.Apply(model, new LoraOptions { R = 2, Alpha = 4 });
        using (no_grad())
        {
            foreach (var layer in lora.Layers) layer.LoraB.weight!.normal_(0, 0.3); // stands in for training
            model.Score.weight!.normal_(0, 0.3);
        }
        var logits = Logits(model);
        var adapterDir = Path.Combine(dir.Path, "adapter");
        lora.SaveAdapter(adapterDir);

        var keys = SafeTensors.ReadHeader(Path.Combine(adapterDir, AdapterWeights.FileName)).Tensors.Select(t => t.Name).ToHashSet();
        Assert.Contains("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", keys);
        Assert.Contains("base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight", keys);
        Assert.Contains("base_model.model.score.weight", keys);
        Assert.Equal(2 * 2 * 2 + 1, keys.Count); // 2 layers × {q, v} × {A, B} + score (no bias)

        var (loaded, _) = LoraModel.FromPretrained(baseDir, adapterDir, new SequenceClassificationOptions { NumLabels = 3 });
        using var _ = loaded.Module;
        Assert.True(TinyTextClassification.Identical(logits, Logits(loaded)));
    }

    [Fact]
    public void LoraDropoutActsOnlyInTrainingMode()
    {
        using var model = TinyTextClassification.Model(initSeed: 22);
        var lora = LoraModel.Apply(model, new LoraOptions { Dropout = 0.5 });
        using (no_grad()) foreach (var layer in lora.Layers) layer.LoraB.weight!.normal_(0, 0.5);
        var (ids, mask, types) = PeftTestSupport.Batch();
        Tensor Run() { using var g = no_grad(); return model.Forward(ids, mask, types); }

        model.eval();
        Assert.True(TinyTextClassification.Identical(Run(), Run()));
        model.train(); // the base model has no dropout (p = 0), so only the LoRA branch is random
        Assert.True(lora.Layers.All(l => l.Dropout.training));
        Assert.False(TinyTextClassification.Identical(Run(), Run()));
    }
}
