using TuneSharp.Peft;
using TuneSharp.Peft.Lora;
using TuneSharp.Tasks.SequenceClassification;
using TuneSharp.Tests.Tasks.TextClassification;
using TuneSharp.Tests.Training;
using static TorchSharp.torch;

namespace TuneSharp.Tests.Peft;

/// <summary>LoRA on the real all-MiniLM-L6-v2 checkpoint (6 layers, hidden 384).</summary>
[Collection(TorchRandomCollection.Name)]
public class MiniLmLoraTests
{
    [SkippableFact]
    public void DefaultLoraOnMiniLmKeepsOutputsAndTrainsThePeftParameterCount()
    {
        var modelDir = SharedData.RequireModel("all-MiniLM-L6-v2");
        manual_seed(0);
        var (classifier, _) = SequenceClassifierFactory.FromPretrained(modelDir, new SequenceClassificationOptions { NumLabels = 2 });
        using var module = classifier.Module;
        var ids = tensor(new long[] { 101, 7592, 2088, 2003, 2307, 102 }, [1, 6]); // [CLS] hello world is great [SEP]
        var mask = ones_like(ids);
        Tensor Logits() { using var g = no_grad(); return classifier.Forward(ids, mask, zeros_like(ids)); }
        var before = Logits();
        var (_, all) = PeftSummary.Count(module);

        var lora = LoraModel.Apply(classifier, new LoraOptions());
        Assert.Equal(12, lora.Layers.Count); // query and value in each of the 6 layers
        Assert.True(TinyTextClassification.Identical(before, Logits()));
        // As PEFT reports for this model with r=8 on query,value and the 384→2 head: 12·(8·384 + 384·8) + 384·2 + 2.
        var (trainable, withAdapters) = PeftSummary.Count(module);
        Assert.Equal(12 * (8 * 384 + 384 * 8) + 384 * 2 + 2, trainable);
        Assert.Equal(all + 12 * 2 * 8 * 384, withAdapters);
        Assert.StartsWith("trainable params: 74,498 || all params: ", PeftSummary.Describe(module));
    }
}
