using TorchSharp.Modules;
using TorchSharp;
using TuneSharp.Architectures.Bert;
using TuneSharp.Models;
using TuneSharp.Tests.Training;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace TuneSharp.Tests.Models;

/// <summary>
/// <see cref="GradientCheckpoint"/> must give exactly the gradients of the plain graph (dropout active), leave the random
/// stream as the plain run does, and actually free the segments' activations.
/// </summary>
[Collection(TorchRandomCollection.Name)]
public class GradientCheckpointTests(ITestOutputHelper log)
{
    private const int Width = 32;

    [Fact]
    public void CheckpointedStackGivesTheSameGradientsAsThePlainStack()
    {
        var blocks = Stack(layers: 3, seed: 1);
        using var x = randn(4, 7, Width, generator: new Generator(2));
        using var target = randn(4, 7, Width, generator: new Generator(3));

        var plain = Measure(blocks, x, target, checkpoint: false);
        var checkpointed = Measure(blocks, x, target, checkpoint: true);

        AssertSameRun(plain, checkpointed);
        // Dropout really drew masks: without it the test would not show that the recomputation replays them.
        using var sameInput = randn(4, 7, Width, generator: new Generator(2));
        Assert.False(plain.Output.allclose(Forward(Eval(blocks), sameInput, checkpoint: false).detach()), "dropout must be active");
    }

    [Fact]
    public void ParametersInsideAndOutsideSegmentsAndSharedAcrossThemGetTheirGradients()
    {
        var model = new NestedModel(seed: 4);
        using var ids = randn(3, 9, 12, generator: new Generator(5));
        using var padding = ones(3, 9);
        padding[1, TensorIndex.Slice(6)] = zeros(1); // row 1 has padding, so the mask (a constant) matters
        using var target = randn(3, 9, Width, generator: new Generator(6));

        RunResult Once(bool checkpoint)
        {
            model.zero_grad();
            manual_seed(7);
            using var scope = NewDisposeScope();
            var output = model.forward(ids, padding, checkpoint);
            (output * target).sum().backward();
            return new RunResult(output.detach().clone().DetachFromDisposeScope(), null, Grads(model), Draws());
        }

        var plain = Once(checkpoint: false);
        var checkpointed = Once(checkpoint: true);

        // shared_scale's gradient is a sum of contributions from every segment and from the head. The plain graph adds
        // them up in the engine's input buffer; with checkpointing each segment's reentrant backward adds its share
        // straight into .grad, so the float additions happen in another order: equal up to rounding, not bitwise.
        AssertSameRun(plain, checkpointed, summedInAnotherOrder: "shared_scale");
        Assert.Contains("projection.weight", plain.Grads.Keys); // outside, before the segments
        Assert.Contains("layers.0.query.weight", plain.Grads.Keys); // inside a segment
        Assert.Contains("shared_scale", plain.Grads.Keys); // used inside the segments and by the head
        Assert.All(plain.Grads, g => Assert.True(g.Value.abs().max().item<float>() > 0, $"{g.Key} got no gradient"));
    }

    [Fact]
    public void GradientsAccumulateOverSeveralBackwardPasses()
    {
        var blocks = Stack(layers: 2, seed: 8);
        using var target = randn(5, Width, generator: new Generator(9));

        RunResult Twice(bool checkpoint)
        {
            foreach (var block in blocks) block.zero_grad();
            manual_seed(10);
            using var scope = NewDisposeScope();
            var x = randn(5, Width).requires_grad_();
            // The same graph twice (retain_graph), then a new forward: three contributions summed into .grad.
            var loss = (Forward(blocks, x, checkpoint) * target).sum();
            loss.backward(retain_graph: true);
            loss.backward();
            var output = Forward(blocks, x, checkpoint);
            (output * target).sum().backward();
            return new RunResult(output.detach().clone().DetachFromDisposeScope(), x.grad!.clone().DetachFromDisposeScope(), Grads(blocks), Draws());
        }

        var plain = Twice(checkpoint: false);
        var checkpointed = Twice(checkpoint: true);

        AssertSameRun(plain, checkpointed);
        // Guards against a vacuous pass: one backward alone gives different gradients.
        foreach (var block in blocks) block.zero_grad();
        manual_seed(10);
        var x1 = randn(5, Width).requires_grad_();
        (Forward(blocks, x1, checkpoint: false) * target).sum().backward();
        Assert.False(x1.grad!.allclose(checkpointed.InputGrad!));
    }

    [Fact]
    public void WithoutGradientsTheSegmentSimplyRuns()
    {
        var blocks = Stack(layers: 2, seed: 11);
        using var x = randn(6, Width, generator: new Generator(12)).requires_grad_();

        (Tensor Output, Tensor Draws) NoGrad(bool checkpoint)
        {
            manual_seed(13);
            using (no_grad())
            {
                var output = Forward(blocks, x, checkpoint);
                Assert.False(output.requires_grad);
                return (output, Draws());
            }
        }

        var (plainOutput, plainDraws) = NoGrad(checkpoint: false);
        var (checkpointedOutput, checkpointedDraws) = NoGrad(checkpoint: true);
        Assert.True(Identical(plainOutput, checkpointedOutput), "no_grad output differs");
        Assert.True(Identical(plainDraws, checkpointedDraws), "no_grad changed the random stream");

        // Eval mode (dropout off) with grad enabled: the checkpoint node is used and gives the plain values.
        Eval(blocks);
        using var evalPlain = Forward(blocks, x, checkpoint: false);
        using var evalCheckpointed = Forward(blocks, x, checkpoint: true);
        Assert.True(Identical(evalPlain, evalCheckpointed), "eval output differs");

        // Frozen segment and an input without grad: nothing to differentiate, no node, a plain result.
        foreach (var p in blocks.SelectMany(b => b.parameters())) p.requires_grad = false;
        using var frozenInput = x.detach();
        using var frozen = Forward(blocks, frozenInput, checkpoint: true);
        Assert.False(frozen.requires_grad);
        Assert.True(Identical(frozen, evalPlain));
    }

    [Fact]
    public void FrozenInputStillGivesTheSegmentParametersTheirGradients()
    {
        // LoRA / prompt tuning: the embeddings are frozen, so the first layer's input does not require grad.
        var blocks = Stack(layers: 2, seed: 14);
        using var x = randn(4, Width, generator: new Generator(15));
        using var target = randn(4, Width, generator: new Generator(16));

        var plain = Measure(blocks, x, target, checkpoint: false, inputRequiresGrad: false);
        var checkpointed = Measure(blocks, x, target, checkpoint: true, inputRequiresGrad: false);

        AssertSameRun(plain, checkpointed);
        Assert.Equal(2 * 4, checkpointed.Grads.Count); // Linear and LayerNorm weight + bias per block
    }

    [Fact]
    public void OuterRandomStreamAfterBackwardIsThatOfThePlainRun()
    {
        var blocks = Stack(layers: 3, seed: 17);
        using var x = randn(8, Width, generator: new Generator(18));
        using var target = randn(8, Width, generator: new Generator(19));
        manual_seed(20);
        using var untouched = Draws();

        var plain = Measure(blocks, x, target, checkpoint: false, seed: 20);
        var checkpointed = Measure(blocks, x, target, checkpoint: true, seed: 20);

        Assert.True(Identical(plain.Draws, checkpointed.Draws), "the random stream after backward differs from the plain run's");
        Assert.False(Identical(untouched, plain.Draws), "the forward must have consumed random numbers (dropout)");
    }

    [Fact]
    public void AFailedRecomputationSurfacesAsACatchableException()
    {
        // Without the engine-level report these would abort the test host: a .NET exception cannot cross libtorch's engine.
        var block = Block(Width);
        using var scope = NewDisposeScope();
        var x = randn(3, Width).requires_grad_();
        var hidden = x * 2;
        var output = GradientCheckpoint.Run(h => block.call(h), hidden, block);
        using (no_grad()) hidden.add_(1); // the saved input changed: the recomputation would see other values
        Assert.ThrowsAny<Exception>(() => output.sum().backward());
        Assert.Contains("modified by an inplace operation", GradientCheckpoint.LastBackwardFailure!.Message);

        var calls = 0;
        var failing = GradientCheckpoint.Run(h => ++calls == 2 ? throw new InvalidOperationException("no memory left") : block.call(h), x * 3, block);
        manual_seed(22);
        using var expectedDraws = Draws();
        manual_seed(22);
        Assert.ThrowsAny<Exception>(() => failing.sum().backward());
        Assert.Equal("no memory left", Assert.IsType<InvalidOperationException>(GradientCheckpoint.LastBackwardFailure).Message);
        using var draws = Draws();
        Assert.True(Identical(expectedDraws, draws), "a failed recomputation must still restore the random generator");
    }

    [SkippableFact]
    public void CheckpointingKeepsOnlyTheSegmentInputsAlive()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "measures resident memory through /proc/self");
        // [64, 512, 384] float32 = 48 MiB per activation: above glibc's largest mmap threshold (32 MiB), so every
        // activation is its own mapping and freeing it lowers the resident set at once (no allocator caching).
        const int layers = 4;
        long[] shape = [64, 512, 384];
        var activationBytes = shape.Aggregate(4L, (a, b) => a * b);
        var blocks = Enumerable.Range(0, layers).Select(_ => Block(384)).ToList();

        (long Retained, long Peak, long Leftover) Memory(bool checkpoint)
        {
            long before, retained, peak;
            var baseline = ProcessMemory.Resident();
            using (var scope = NewDisposeScope())
            {
                var x = randn(shape).requires_grad_();
                before = ProcessMemory.Resident();
                ProcessMemory.ResetPeak();
                var loss = Forward(blocks, x, checkpoint).mean();
                retained = ProcessMemory.Resident() - before;
                loss.backward();
                peak = ProcessMemory.Peak() - before;
            }
            // Once the step's tensors are disposed the graph (checkpoint nodes, their saved inputs) must be gone too.
            return (retained, peak, ProcessMemory.Resident() - baseline);
        }

        // Warm-up on a small batch: first-call allocations (thread pools, kernel workspaces) are not activations.
        foreach (var checkpoint in new[] { false, true })
        {
            using var warmUp = NewDisposeScope();
            Forward(blocks, randn(2, 8, 384).requires_grad_(), checkpoint).mean().backward();
        }
        var plain = Memory(checkpoint: false);
        var checkpointed = Memory(checkpoint: true);
        log.WriteLine($"activation {activationBytes >> 20} MiB, {layers} layers (Linear, GELU, Dropout, LayerNorm)");
        log.WriteLine($"retained after forward: plain {plain.Retained >> 20} MiB, checkpointed {checkpointed.Retained >> 20} MiB ({(double)plain.Retained / checkpointed.Retained:F1}x)");
        log.WriteLine($"peak over forward+backward: plain {plain.Peak >> 20} MiB, checkpointed {checkpointed.Peak >> 20} MiB ({(double)plain.Peak / checkpointed.Peak:F1}x)");
        log.WriteLine($"left after the step's scope: plain {plain.Leftover >> 20} MiB, checkpointed {checkpointed.Leftover >> 20} MiB");

        // Plain: each layer keeps 4 activations (the GELU input, the dropout mask, the LayerNorm input, the LayerNorm output
        // that the next Linear saves); ParallelDropout keeps only its mask, not the GELU output. Resident memory counts a
        // little less when the allocator reuses pages freed earlier in the process (measured alone: 773 MiB = 4.0 per
        // layer; in the full suite: 723 MiB = 3.8), so at least 3 per layer, against at most 1 per layer checkpointed below.
        Assert.True(plain.Retained >= layers * 3 * activationBytes, $"plain run retained only {plain.Retained >> 20} MiB");
        // Checkpointed: one activation per layer (the next layer's saved input / the output), plus slack for small buffers.
        Assert.True(checkpointed.Retained <= (layers + 1) * activationBytes, $"checkpointed run retained {checkpointed.Retained >> 20} MiB");
        Assert.True(plain.Retained >= 3 * checkpointed.Retained, "retained memory ratio");
        // The peak saves less: the plain run frees its saved activations as its backward proceeds, while the checkpointed
        // one recomputes a whole layer during its backward. With 4 layers the plain peak is ~18 activations, the
        // checkpointed ~13 (4 inputs + one recomputed layer + gradient buffers); the gap grows with depth.
        Assert.True(plain.Peak >= 1.25 * checkpointed.Peak, $"peak: plain {plain.Peak >> 20} MiB, checkpointed {checkpointed.Peak >> 20} MiB");
        Assert.True(checkpointed.Leftover < activationBytes / 2, $"{checkpointed.Leftover >> 20} MiB still resident after the step");
    }

    private sealed record RunResult(Tensor Output, Tensor? InputGrad, Dictionary<string, Tensor> Grads, Tensor Draws);

    private RunResult Measure(IReadOnlyList<nn.Module<Tensor, Tensor>> blocks, Tensor input, Tensor target, bool checkpoint,
        bool inputRequiresGrad = true, long seed = 100)
    {
        foreach (var block in blocks) block.zero_grad();
        manual_seed(seed);
        using var scope = NewDisposeScope();
        var x = input.detach().clone().requires_grad_(inputRequiresGrad);
        var output = Forward(blocks, x, checkpoint);
        (output * target).sum().backward();
        var inputGrad = inputRequiresGrad ? x.grad!.clone().DetachFromDisposeScope() : null;
        return new RunResult(output.detach().clone().DetachFromDisposeScope(), inputGrad, Grads(blocks), Draws());
    }

    private void AssertSameRun(RunResult plain, RunResult checkpointed, string? summedInAnotherOrder = null)
    {
        Assert.True(MaxDiff(plain.Output, checkpointed.Output) == 0, $"outputs differ by {MaxDiff(plain.Output, checkpointed.Output):E2}");
        if (plain.InputGrad is not null)
            Assert.True(Identical(plain.InputGrad, checkpointed.InputGrad!), $"input grads differ by {MaxDiff(plain.InputGrad, checkpointed.InputGrad!):E2}");
        Assert.Equal(plain.Grads.Keys.Order(), checkpointed.Grads.Keys.Order());
        // Bitwise: the recomputation runs the same kernels on the same values with the same dropout masks.
        var worst = plain.Grads.Max(g => MaxDiff(g.Value, checkpointed.Grads[g.Key]));
        log.WriteLine($"{plain.Grads.Count} parameter gradients, max |difference| {worst:E2}");
        foreach (var (name, grad) in plain.Grads)
        {
            var diff = MaxDiff(grad, checkpointed.Grads[name]);
            if (name != summedInAnotherOrder)
            {
                Assert.True(Identical(grad, checkpointed.Grads[name]), $"{name}: gradients differ by {diff:E2}");
                continue;
            }
            // Rounding of a float32 sum of a handful of terms: relative to the gradient's scale, within 1e-6.
            using var scaleTensor = grad.abs().max();
            var scale = scaleTensor.item<float>();
            log.WriteLine($"{name}: max |difference| {diff:E2}, max |gradient| {scale:E2}, relative {diff / scale:E2}");
            Assert.True(diff <= 1e-6 * scale, $"{name}: gradients differ by {diff:E2} (scale {scale:E2})");
        }
        Assert.True(Identical(plain.Draws, checkpointed.Draws), "random stream after backward differs");
    }

    /// <summary>Same shape and bitwise-equal values.</summary>
    private static bool Identical(Tensor a, Tensor b)
    {
        if (!a.shape.SequenceEqual(b.shape)) return false;
        using var same = a.eq(b).all();
        return same.item<bool>();
    }

    private static double MaxDiff(Tensor a, Tensor b)
    {
        using var diff = (a - b).abs().max();
        return diff.item<float>();
    }

    private static Dictionary<string, Tensor> Grads(IEnumerable<nn.Module> modules) =>
        modules.SelectMany((m, i) => m.named_parameters().Select(p => ($"{i}.{p.name}", p.parameter)))
            .Where(p => p.parameter.grad is not null)
            .ToDictionary(p => p.Item1, p => p.parameter.grad!.clone().DetachFromDisposeScope());

    private static Dictionary<string, Tensor> Grads(nn.Module module) =>
        module.named_parameters().Where(p => p.parameter.grad is not null)
            .ToDictionary(p => p.name, p => p.parameter.grad!.clone().DetachFromDisposeScope());

    /// <summary>The next numbers of the global generator: equal draws mean equal generator states.</summary>
    private static Tensor Draws() => rand(64).DetachFromDisposeScope();

    private static Tensor Forward(IReadOnlyList<nn.Module<Tensor, Tensor>> blocks, Tensor x, bool checkpoint)
    {
        foreach (var block in blocks) x = checkpoint ? GradientCheckpoint.Run(h => block.call(h), x, block) : block.call(x);
        return x;
    }

    private static List<nn.Module<Tensor, Tensor>> Stack(int layers, int seed)
    {
        manual_seed(seed);
        return Enumerable.Range(0, layers).Select(_ => Block(Width)).ToList();
    }

    private static nn.Module<Tensor, Tensor> Block(int width) =>
        nn.Sequential(("dense", nn.Linear(width, width)), ("act", nn.GELU()), ("drop", nn.Dropout(0.1)), ("norm", nn.LayerNorm(width)));

    private static List<nn.Module<Tensor, Tensor>> Eval(List<nn.Module<Tensor, Tensor>> blocks)
    {
        foreach (var block in blocks) block.eval();
        return blocks;
    }

    /// <summary>
    /// Projection (outside) → two checkpointed BERT-like layers and one plain one, all reading an attention mask built in a
    /// dispose scope that ends before backward → head (outside) that reuses <c>shared_scale</c>, which the layers also use.
    /// </summary>
    private sealed class NestedModel : nn.Module
    {
        private readonly Linear projection;
        private readonly ModuleList<BertLikeLayer> layers;
        private readonly Parameter shared_scale;

        public NestedModel(int seed) : base(nameof(NestedModel))
        {
            manual_seed(seed);
            projection = nn.Linear(12, Width);
            layers = nn.ModuleList(Enumerable.Range(0, 3).Select(_ => new BertLikeLayer(Width, 4, 2 * Width)).ToArray());
            shared_scale = nn.Parameter(rand(Width) + 0.5);
            RegisterComponents();
        }

        public Tensor forward(Tensor features, Tensor padding, bool checkpoint)
        {
            Tensor hidden;
            Tensor mask;
            using (var inner = NewDisposeScope())
            {
                // Like BertModel: the additive mask lives in the model's scope, gone by the time backward runs.
                mask = ((1 - padding) * -1e4).view(padding.shape[0], 1, 1, padding.shape[1]);
                hidden = projection.call(features);
                for (var i = 0; i < layers.Count; i++)
                {
                    var layer = layers[i];
                    Tensor Segment(Tensor h, IReadOnlyList<Tensor?> c) => layer.call(h * shared_scale, c[0]!);
                    hidden = checkpoint && i != 1 ? GradientCheckpoint.Run(Segment, hidden, [mask], layer) : Segment(hidden, [mask]);
                }
                hidden.MoveToOuterDisposeScope();
            }
            Assert.True(mask.IsInvalid, "the mask should be disposed before backward");
            return hidden * shared_scale;
        }
    }

    /// <summary>A post-LayerNorm transformer layer like BERT's: self-attention with dropout, then a GELU feed-forward.</summary>
    private sealed class BertLikeLayer : nn.Module<Tensor, Tensor, Tensor>
    {
        private readonly Linear query, key, value, attention_output, intermediate, output;
        private readonly LayerNorm attention_norm, output_norm;
        private readonly Dropout dropout;
        private readonly int heads;

        public BertLikeLayer(int width, int heads, int ffn) : base(nameof(BertLikeLayer))
        {
            this.heads = heads;
            query = nn.Linear(width, width);
            key = nn.Linear(width, width);
            value = nn.Linear(width, width);
            attention_output = nn.Linear(width, width);
            intermediate = nn.Linear(width, ffn);
            output = nn.Linear(ffn, width);
            attention_norm = nn.LayerNorm(width);
            output_norm = nn.LayerNorm(width);
            dropout = nn.Dropout(0.1);
            RegisterComponents();
        }

        public override Tensor forward(Tensor hidden, Tensor additiveMask)
        {
            using var scope = NewDisposeScope();
            long batch = hidden.shape[0], length = hidden.shape[1], width = hidden.shape[2], headDim = width / heads;
            Tensor Heads(Tensor t) => t.view(batch, length, heads, headDim).transpose(1, 2);
            var scores = Heads(query.call(hidden)).matmul(Heads(key.call(hidden)).transpose(-1, -2)) / Math.Sqrt(headDim) + additiveMask;
            var context = dropout.call(scores.softmax(-1)).matmul(Heads(value.call(hidden))).transpose(1, 2).reshape(batch, length, width);
            var attended = attention_norm.call(hidden + dropout.call(attention_output.call(context)));
            var fed = output.call(nn.functional.gelu(intermediate.call(attended)));
            return output_norm.call(attended + dropout.call(fed)).MoveToOuterDisposeScope();
        }
    }

    /// <summary>Resident memory of this process (Linux /proc).</summary>
    private static class ProcessMemory
    {
        public static long Resident() => long.Parse(File.ReadAllText("/proc/self/statm").Split(' ')[1]) * Environment.SystemPageSize;

        /// <summary>Resets VmHWM (the peak resident size) to the current size.</summary>
        public static void ResetPeak() => File.WriteAllText("/proc/self/clear_refs", "5");

        public static long Peak()
        {
            var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:"));
            return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        }
    }
}
