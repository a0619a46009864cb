using TuneSharp.Models;
using TuneSharp.Tasks.CausalLm;
using TuneSharp.Tests.Models;
using TuneSharp.Tokenization;
using static TorchSharp.torch;

namespace TuneSharp.Tests.Tasks.CausalLm;

/// <summary>
/// The causal-LM training task on tiny decoders of every family: its loss is transformers' shifted cross entropy on
/// the trained positions, a packed row's loss and gradients equal those of its examples run alone, chunking the
/// logits changes nothing, and evaluation is token-weighted.
/// </summary>
public sealed class CausalLmTaskTests
{
    private static readonly TextTokenizer Tokenizer = TextTokenizer.FromPretrained(SharedData.RequireModel("stories260K"));

    public static TheoryData<string> Families => new() { "llama", "gpt2", "gpt_neox", "qwen2", "mistral" };

    // A tiny decoder of the family with the stories260K tokenizer's 512 ids (Mistral's window of 3 is shorter than the examples).
    private static CausalLanguageModel Model(string family)
    {
        TorchRuntime.EnsureLoaded();
        manual_seed(7);
        PretrainedConfig config = family switch
        {
            "llama" => TinyModels.Llama(tied: false),
            "gpt2" => TinyModels.Gpt2(),
            "gpt_neox" => TinyModels.GptNeox(),
            _ => TinyModels.LlamaVariant(family),
        };
        config.VocabSize = 512;
        var model = new CausalLanguageModel(config);
        model.eval();
        return model;
    }

    // Three examples of different lengths, the first and third response-only (prompt tokens ignored).
    private static List<CausalLmExample> Examples()
    {
        var random = new Random(3);
        CausalLmExample Make(int length, int prompt)
        {
            var ids = Enumerable.Range(0, length).Select(_ => random.Next(3, 512)).ToArray();
            return new CausalLmExample(ids, ids.Select((id, i) => i < prompt ? CausalLmExample.IgnoreIndex : id).ToArray());
        }
        return [Make(9, 4), Make(6, 0), Make(11, 7)];
    }

    private static PackedSequence PackByHand(IReadOnlyList<CausalLmExample> examples) => new(
        examples.SelectMany(e => e.InputIds).ToArray(),
        examples.SelectMany(e => e.Labels.Select((l, i) => i == 0 ? CausalLmExample.IgnoreIndex : l)).ToArray(),
        examples.SelectMany((e, k) => Enumerable.Repeat(k + 1, e.InputIds.Length)).ToArray(),
        examples.SelectMany(e => Enumerable.Range(0, e.InputIds.Length)).ToArray());

    private static float[] Gradients(CausalLanguageModel model) =>
        model.parameters().Where(p => p.grad is not null).SelectMany(p => p.grad!.reshape(-1).data<float>().ToArray()).ToArray();

    [Theory]
    [MemberData(nameof(Families))]
    public void The_loss_is_the_shifted_cross_entropy_of_the_full_logits_on_the_trained_positions(string family)
    {
        using var scope = NewDisposeScope();
        var model = Model(family);
        var examples = Examples();
        var task = new CausalLmTask(model, Tokenizer, examples.Select(CausalLmTask.Single).ToList());
        var loss = task.ComputeLoss([0, 1, 2], 0);

        double expected = 0;
        long count = 0;
        foreach (var e in examples)
        {
            var logits = model.Forward(tensor(e.InputIds.Select(i => (long)i).ToArray(), [1, e.InputIds.Length]));
            var labels = tensor(e.Labels.Skip(1).Select(i => (long)i).ToArray());
            expected += nn.functional.cross_entropy(logits[0].narrow(0, 0, e.InputIds.Length - 1), labels, ignore_index: -100,
                reduction: nn.Reduction.Sum).item<float>();
            count += e.TrainedTokens;
        }
        Assert.Equal(count, loss.Count);
        Assert.Equal(expected, loss.Sum.item<float>(), expected * 1e-5);
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void A_packed_row_has_the_loss_and_gradients_of_its_examples_run_alone(string family)
    {
        using var scope = NewDisposeScope();
        var model = Model(family);
        var examples = Examples();
        var alone = new CausalLmTask(model, Tokenizer, examples.Select(CausalLmTask.Single).ToList());
        var packed = new CausalLmTask(model, Tokenizer, [PackByHand(examples)]);

        var separate = alone.ComputeLoss([0, 1, 2], 0);
        separate.Sum.backward();
        var separateGradients = Gradients(model);
        model.zero_grad();
        var together = packed.ComputeLoss([0], 0);
        together.Sum.backward();
        var packedGradients = Gradients(model);

        Assert.Equal(separate.Count, together.Count);
        Assert.Equal(separate.Sum.item<float>(), together.Sum.item<float>(), separate.Sum.item<float>() * 1e-5);
        Assert.Equal(separateGradients.Length, packedGradients.Length);
        var scale = separateGradients.Max(Math.Abs);
        Assert.True(scale > 0);
        for (var i = 0; i < separateGradients.Length; i++) Assert.Equal(separateGradients[i], packedGradients[i], scale * 1e-4);
    }

    [Fact]
    public void Without_segment_numbers_the_same_row_attends_across_examples_and_its_loss_differs()
    {
        // The control of the packing test: the segment-numbered mask is what keeps the examples apart.
        using var scope = NewDisposeScope();
        var model = Model("llama");
        var row = PackByHand(Examples());
        var packed = new CausalLmTask(model, Tokenizer, [row]).ComputeLoss([0], 0).Sum.item<float>();
        var merged = new CausalLmTask(model, Tokenizer, [row with { SegmentIds = row.SegmentIds.Select(_ => 1).ToArray() }]).ComputeLoss([0], 0).Sum.item<float>();
        Assert.True(Math.Abs(packed - merged) > 1e-3 * Math.Abs(packed), $"{packed} vs {merged}");
    }

    [Fact]
    public void Chunked_logits_give_the_same_loss_and_gradients_as_one_chunk_while_training()
    {
        using var scope = NewDisposeScope();
        var model = Model("gpt2");
        model.train();
        var rows = Examples().Select(CausalLmTask.Single).ToList();
        var whole = new CausalLmTask(model, Tokenizer, rows).ComputeLoss([0, 1, 2], 0);
        whole.Sum.backward();
        var wholeGradients = Gradients(model);
        model.zero_grad();
        var chunked = new CausalLmTask(model, Tokenizer, rows, options: new CausalLmTaskOptions { LossChunkTokens = 4 }).ComputeLoss([0, 1, 2], 0);
        chunked.Sum.backward();
        var chunkedGradients = Gradients(model);

        Assert.Equal(whole.Sum.item<float>(), chunked.Sum.item<float>(), whole.Sum.item<float>() * 1e-5);
        var scale = wholeGradients.Max(Math.Abs);
        for (var i = 0; i < wholeGradients.Length; i++) Assert.Equal(wholeGradients[i], chunkedGradients[i], scale * 1e-4);
    }

    [Fact]
    public void Evaluation_is_token_weighted_and_perplexity_is_the_exponent_of_the_loss()
    {
        using var scope = NewDisposeScope();
        var model = Model("llama");
        var examples = Examples();
        var task = new CausalLmTask(model, Tokenizer, [CausalLmTask.Single(examples[0])], examples);
        double sum = 0;
        long tokens = 0;
        using (no_grad())
        {
            foreach (var i in new[] { 0, 1, 2 })
            {
                var loss = new CausalLmTask(model, Tokenizer, [CausalLmTask.Single(examples[i])]).ComputeLoss([0], 0);
                sum += loss.Sum.item<float>();
                tokens += loss.Count;
            }
            var metrics = task.Evaluate(batchSize: 2, labelSmoothing: 0, CancellationToken.None);
            Assert.Equal(sum / tokens, metrics["eval_loss"], 1e-5);
            Assert.Equal(Math.Exp(metrics["eval_loss"]), metrics["eval_perplexity"], 1e-9);
            Assert.Equal(tokens, metrics["eval_tokens"]);
        }
    }

    [Fact]
    public void A_batch_with_nothing_to_train_has_a_zero_loss_over_zero_tokens()
    {
        using var scope = NewDisposeScope();
        var model = Model("llama");
        var ids = new[] { 5, 6, 7, 8 };
        var task = new CausalLmTask(model, Tokenizer, [CausalLmTask.Single(new CausalLmExample(ids, ids.Select(_ => CausalLmExample.IgnoreIndex).ToArray()))]);
        var loss = task.ComputeLoss([0], 0);
        Assert.Equal(0, loss.Count);
        Assert.Equal(0f, loss.Sum.item<float>());
    }
}
