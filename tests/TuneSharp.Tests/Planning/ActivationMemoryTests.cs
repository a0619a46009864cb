using TuneSharp.Architectures.Bert;
using TuneSharp.Architectures.Llama;
using TuneSharp.Models;
using TuneSharp.Planning;

namespace TuneSharp.Tests.Planning;

/// <summary>Properties of the activation-memory estimate that hold whatever its coefficients (those are checked by bench plan-accuracy).</summary>
public class ActivationMemoryTests
{
    private static readonly BertConfig MiniLm = new() { HiddenSize = 384, NumHiddenLayers = 6, NumAttentionHeads = 12, IntermediateSize = 1536 };
    private static readonly LlamaConfig Llama = new() { HiddenSize = 64, NumHiddenLayers = 5, NumAttentionHeads = 8, NumKeyValueHeads = 4, IntermediateSize = 172 };

    [Fact]
    public void Memory_grows_linearly_with_the_batch()
    {
        foreach (PretrainedConfig config in new PretrainedConfig[] { MiniLm, Llama })
            Assert.Equal(2 * ActivationMemory.PeakBytes(config, 16, 128, 6, false), ActivationMemory.PeakBytes(config, 32, 128, 6, false));
    }

    [Fact]
    public void Attention_dropout_makes_memory_grow_with_the_square_of_the_length()
    {
        var shortRun = ActivationMemory.PeakBytes(MiniLm, 8, 128, 6, false)!.Value;
        var longRun = ActivationMemory.PeakBytes(MiniLm, 8, 512, 6, false)!.Value;
        Assert.True(longRun > 4.5 * shortRun, $"{longRun} vs {shortRun}: more than linear");
        var noDropout = new BertConfig { HiddenSize = 384, NumHiddenLayers = 6, NumAttentionHeads = 12, IntermediateSize = 1536, AttentionProbsDropoutProb = 0 };
        var fusedShort = ActivationMemory.PeakBytes(noDropout, 8, 128, 6, false)!.Value;
        var fusedLong = ActivationMemory.PeakBytes(noDropout, 8, 512, 6, false)!.Value;
        Assert.InRange(fusedLong / (double)fusedShort, 3.9, 4.1); // the fused kernel keeps no S×S probabilities
    }

    [Fact]
    public void Checkpointing_and_frozen_layers_keep_less()
    {
        var all = ActivationMemory.PeakBytes(MiniLm, 8, 512, 6, false)!.Value;
        var checkpointed = ActivationMemory.PeakBytes(MiniLm, 8, 512, 6, true)!.Value;
        Assert.True(checkpointed < all / 2, $"{checkpointed} vs {all}");
        Assert.True(ActivationMemory.PeakBytes(MiniLm, 8, 512, 3, false) < all);
        Assert.Equal(0, ActivationMemory.PeakBytes(MiniLm, 8, 512, 0, false));
        Assert.Equal(ActivationMemory.PeakBytes(MiniLm, 8, 512, 1, true), ActivationMemory.PeakBytes(MiniLm, 8, 512, 1, false)); // one layer: nothing to checkpoint
    }
}
