using TuneSharp.Tasks.CausalLm;
using TuneSharp.Architectures.Bert;
using TuneSharp.Architectures.Llama;
using TuneSharp.Checkpoints;
using TuneSharp.Models;
using static TorchSharp.torch;

namespace TuneSharp.Tests.Models;

/// <summary>Saving (weights + config) and loading again gives bit-identical outputs.</summary>
public class SaveLoadTests
{
    [SkippableFact]
    public void BertRoundTripIsBitIdentical()
    {
        var (model, _) = GoldenFiles.LoadMiniLm();
        var golden = GoldenFiles.Read("all-MiniLM-L6-v2", "golden_hidden.json");
        using var dir = new TempDir();
        model.SavePretrained(dir.Path);
        var (reloaded, report) = BertModel.FromPretrained(dir.Path);
        Assert.True(report.IsClean, report.ToString());

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ids = GoldenFiles.LongTensor(GoldenFiles.IntRows(golden["input_ids"]));
        var mask = GoldenFiles.LongTensor(GoldenFiles.IntRows(golden["attention_mask"]));
        var before = model.forward(ids, mask);
        var after = reloaded.forward(ids, mask);
        Assert.True(GoldenFiles.Identical(before.LastHiddenState, after.LastHiddenState));
        Assert.True(GoldenFiles.Identical(before.PoolerOutput!, after.PoolerOutput!));
    }

    [SkippableFact]
    public void LlamaRoundTripIsBitIdenticalAndWritesTheTiedLayout()
    {
        var (model, _) = GoldenFiles.LoadStories();
        var sequence = GoldenFiles.Ints(GoldenFiles.Read("stories260K", "golden_greedy.json")["full_sequence_token_ids"]);
        using var dir = new TempDir();
        model.SavePretrained(dir.Path);

        // As transformers saves a tied model: no lm_head.weight; the config keeps tie_word_embeddings.
        var names = ModelWeights.ReadInfos(dir.Path).Select(i => i.Name).ToList();
        Assert.DoesNotContain("lm_head.weight", names);
        Assert.Contains("model.embed_tokens.weight", names);
        Assert.Equal(47, names.Count);
        Assert.True(PretrainedConfig.Load<LlamaConfig>(dir.Path).TieWordEmbeddings);

        var (reloaded, report) = AutoModelForCausalLM.FromPretrained(dir.Path);
        Assert.True(report.IsClean, report.ToString());
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ids = GoldenFiles.LongTensor(sequence);
        Assert.True(GoldenFiles.Identical(model.Forward(ids), reloaded.Forward(ids)));
    }

    [Fact]
    public void UntiedLlamaRoundTripKeepsItsHead()
    {
        var model = new CausalLanguageModel(TinyModels.Llama(tied: false));
        model.eval();
        using var dir = new TempDir();
        model.SavePretrained(dir.Path);
        Assert.Contains("lm_head.weight", ModelWeights.ReadInfos(dir.Path).Select(i => i.Name));
        var (reloaded, report) = AutoModelForCausalLM.FromPretrained(dir.Path);
        Assert.True(report.IsClean, report.ToString());
        using var ids = tensor(new long[] { 1, 3, 5, 7 }, [1, 4]);
        using var noGrad = no_grad();
        using var a = model.Forward(ids);
        using var b = reloaded.Forward(ids);
        Assert.True(GoldenFiles.Identical(a, b));
    }
}
