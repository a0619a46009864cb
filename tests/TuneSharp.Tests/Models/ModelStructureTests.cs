using TuneSharp.Tasks.CausalLm;
using TuneSharp.Architectures.Bert;
using TuneSharp.Architectures.Llama;
using TuneSharp.Models;
using static TorchSharp.torch;

namespace TuneSharp.Tests.Models;

/// <summary>Parameter naming, weight tying and train/eval behaviour on small random models.</summary>
public class ModelStructureTests
{
    [Fact]
    public void TiedHeadIsTheEmbeddingParameterItself()
    {
        var model = new CausalLanguageModel(TinyModels.Llama(tied: true));
        Assert.DoesNotContain(model.named_parameters(), p => p.name.StartsWith("lm_head"));
        using (no_grad()) model.InputEmbeddings.weight!.add_(1.0);
        Assert.True(GoldenFiles.Identical(model.InputEmbeddings.weight!, model.HeadWeight));
        // The optimizer must see the shared matrix once.
        Assert.Single(model.parameters(), p => p.shape.SequenceEqual(new long[] { 40, 16 }));
    }

    [Fact]
    public void UntiedHeadHasItsOwnWeight()
    {
        var model = new CausalLanguageModel(TinyModels.Llama(tied: false));
        Assert.Contains("lm_head.weight", model.state_dict().Keys);
        Assert.False(GoldenFiles.Identical(model.InputEmbeddings.weight!, model.HeadWeight));
    }

    [Fact]
    public void LlamaParameterNamesAreHuggingFaces()
    {
        var names = new CausalLanguageModel(TinyModels.Llama()).state_dict().Keys.ToHashSet();
        string[] perLayer = ["input_layernorm.weight", "self_attn.q_proj.weight", "self_attn.k_proj.weight", "self_attn.v_proj.weight",
            "self_attn.o_proj.weight", "post_attention_layernorm.weight", "mlp.gate_proj.weight", "mlp.up_proj.weight", "mlp.down_proj.weight"];
        var expected = new HashSet<string> { "model.embed_tokens.weight", "model.norm.weight" };
        for (var i = 0; i < 2; i++) foreach (var n in perLayer) expected.Add($"model.layers.{i}.{n}");
        Assert.Equal(expected.Order(), names.Order());
    }

    [Fact]
    public void BertDropoutIsActiveOnlyInTrainMode()
    {
        var model = new BertModel(TinyModels.Bert(dropout: 0.1));
        using var ids = tensor(new long[] { 1, 5, 7, 9, 11, 2 }, [1, 6]);
        model.train();
        using var a = model.forward(ids);
        using var b = model.forward(ids);
        Assert.False(a.LastHiddenState.allclose(b.LastHiddenState));
        model.eval();
        using var c = model.forward(ids);
        using var d = model.forward(ids);
        Assert.True(GoldenFiles.Identical(c.LastHiddenState, d.LastHiddenState));
    }

    [Fact]
    public void LlamaAttentionDropoutIsActiveOnlyInTrainMode()
    {
        var model = new CausalLanguageModel(TinyModels.Llama(attentionDropout: 0.3));
        using var ids = tensor(new long[] { 1, 5, 7, 9, 11, 2 }, [1, 6]);
        model.train();
        using var a = model.Forward(ids);
        using var b = model.Forward(ids);
        Assert.False(a.allclose(b));
        model.eval();
        using var c = model.Forward(ids);
        using var d = model.Forward(ids);
        Assert.True(GoldenFiles.Identical(c, d));
    }

    [Fact]
    public void GradientsFlowThroughTheTiedLlamaAndTheLoss()
    {
        var model = new CausalLanguageModel(TinyModels.Llama());
        model.train();
        using var ids = tensor(new long[] { 1, 5, 7, 9, 11, 2, 3, 4 }, [2, 4]);
        using var loss = CausalLmLoss.Compute(model.Forward(ids), ids);
        loss.backward();
        Assert.All(model.parameters(), p => Assert.NotNull(p.grad));
        Assert.True(model.InputEmbeddings.weight!.grad!.abs().sum().item<float>() > 0);
    }
}
