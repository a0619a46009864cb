using TuneSharp.Models;
using TuneSharp.Peft;
using TuneSharp.Peft.Freeze;
using TuneSharp.Peft.Lora;
using TuneSharp.Planning;
using TuneSharp.Recipes;
using TuneSharp.Tests.Tasks.TextClassification;
using TuneSharp.Training;
using static TorchSharp.torch;

namespace TuneSharp.Tests.Planning;

/// <summary>
/// The resource plan printed before training: what it counts (checked against the model's own parameters and the
/// task's batches), how methods and options change it, and that a run which cannot fit is refused before it starts.
/// How close it comes to measured runs is the benchmark plan-accuracy's job.
/// </summary>
public class ResourcePlannerTests : IDisposable
{
    private readonly TempDir _tmp = new();
    private static readonly MachineResources BigMachine = new(64L << 30, 60L << 30, 2);

    public void Dispose() => _tmp.Dispose();

    private ResourcePlan Plan(PeftOptions? peft = null, Func<TrainingArguments, TrainingArguments>? change = null,
        MachineResources? machine = null, long processBytes = 300L << 20, int extraPositions = 0, string allocator = "tcmalloc")
    {
        var classifier = TinyTextClassification.Model(initSeed: 1, dropout: 0.1);
        var (adapted, adapter) = PeftSetup.Apply(classifier, peft ?? new PeftOptions());
        var task = new TuneSharp.Tasks.TextClassification.TextClassificationTask(adapted, TinyTextClassification.Tokenizer(_tmp.Path),
            TinyTextClassification.Dataset(100, seed: 2), TinyTextClassification.Dataset(20, seed: 3), maxLength: 32, tokenizerDir: _tmp.Path);
        var args = new TrainingArguments { OutputDir = _tmp.File("out"), PerDeviceTrainBatchSize = 8, NumTrainEpochs = 2, GroupByLength = true };
        if (change is not null) args = change(args);
        return ResourcePlanner.Plan(new ResourcePlanInputs
        {
            Model = task.Model, Config = classifier.Config, Args = args, Task = task, TrainLengths = task.TrainLengths,
            CheckpointsHoldOnlyTrainable = adapter is not null, Machine = machine ?? BigMachine, ProcessBytes = processBytes, MatmulGflops = 100, MemoryGBps = 10,
            ExtraPositions = extraPositions, Allocator = allocator,
        });
    }

    [Fact]
    public void Full_fine_tuning_counts_a_gradient_and_two_AdamW_moments_per_parameter()
    {
        var plan = Plan();
        var model = TinyTextClassification.Model(initSeed: 1);
        var parameters = model.parameters().Sum(p => p.numel());
        Assert.Equal(parameters, plan.TrainableParameters);
        Assert.Equal(4 * parameters, plan.GradientBytes);
        Assert.Equal(8 * parameters, plan.OptimizerBytes);
        Assert.Equal(4 * parameters + model.buffers().Sum(b => b.numel() * b.element_size()), plan.WeightBytes);
        Assert.Equal(0, plan.AutocastCopyBytes);
        Assert.Equal(plan.ProcessBytes + plan.GradientBytes + plan.OptimizerBytes + plan.ActivationBytes, plan.PeakBytes);
        Assert.Equal(MemoryVerdict.Fits, plan.Verdict);
        Assert.Empty(plan.Advice);
    }

    [Fact]
    public void Activations_are_those_of_the_longest_batch_through_every_layer()
    {
        var plan = Plan();
        var task = TinyTextClassification.Task(TinyTextClassification.Model(initSeed: 1), _tmp.Path, TinyTextClassification.Dataset(100, seed: 2));
        Assert.Equal((8, task.TrainLengths.Max()), plan.LongestBatch);
        var config = TinyTextClassification.Config(0.1);
        Assert.Equal(ActivationMemory.PeakBytes(config, 8, plan.LongestBatch.Length, config.NumHiddenLayers, gradientCheckpointing: false), plan.ActivationBytes);
    }

    [Fact]
    public void Trained_tokens_are_the_padded_batches_of_every_epoch()
    {
        var plan = Plan();
        var classifier = TinyTextClassification.Model(initSeed: 1);
        var task = TinyTextClassification.Task(classifier, _tmp.Path, TinyTextClassification.Dataset(100, seed: 2));
        long unpadded = task.TrainLengths.Sum(), longest = task.TrainLengths.Max();
        // Two epochs: at least every token twice, at most every example padded to the longest twice.
        Assert.InRange(plan.TrainTokens, 2 * unpadded, 2 * 100 * longest);
        Assert.Equal(26, plan.Steps); // ceil(100 / 8) = 13 steps per epoch
        var oneEpoch = Plan(change: a => a with { NumTrainEpochs = 1 });
        Assert.Equal(plan.TrainTokens, 2 * oneEpoch.TrainTokens);
        Assert.InRange(plan.Flops / oneEpoch.Flops, 1.5, 2.0); // evaluation (one final pass) does not double
        // Arithmetic at half the matmul rate, plus 36 bytes of parameter update per trainable parameter and step at 10 GB/s.
        Assert.Equal(plan.Flops / (100e9 * ResourcePlanner.ExpectedUtilization) + 26.0 * 36 * plan.TrainableParameters / 10e9,
            plan.EstimatedTime.TotalSeconds, 6);
    }

    [Fact]
    public void Virtual_tokens_lengthen_every_example()
    {
        var plain = Plan();
        var prompted = Plan(extraPositions: 4);
        Assert.Equal(plain.LongestBatch.Length + 4, prompted.LongestBatch.Length);
        Assert.Equal(plain.TrainTokens + 2 * 100 * 4, prompted.TrainTokens); // 2 epochs of 100 examples
    }

    [Fact]
    public void LoRA_plans_gradients_and_AdamW_state_for_the_adapter_and_saves_only_the_adapter()
    {
        var full = Plan();
        var lora = Plan(new PeftOptions { Method = PeftMethod.Lora, Lora = new LoraOptions { R = 2 } });
        Assert.True(lora.TrainableParameters < full.TrainableParameters / 2, $"{lora.TrainableParameters} vs {full.TrainableParameters}");
        Assert.Equal(4 * lora.TrainableParameters, lora.GradientBytes);
        Assert.Equal(8 * lora.TrainableParameters, lora.OptimizerBytes);
        Assert.True(lora.CheckpointBytes < full.CheckpointBytes);
        Assert.True(lora.FinalModelBytes < full.FinalModelBytes);
        Assert.True(lora.Flops < full.Flops, "no weight gradients for the frozen base");
        // The frozen base's weight matrices need no saved inputs.
        var config = TinyTextClassification.Config(0.1);
        Assert.Equal(ActivationMemory.PeakBytes(config, 8, lora.LongestBatch.Length, config.NumHiddenLayers, false, weightMatricesTrain: false), lora.ActivationBytes);
        Assert.True(lora.ActivationBytes < full.ActivationBytes);
    }

    [Fact]
    public void Frozen_lower_layers_keep_no_activations()
    {
        var config = TinyTextClassification.Config(0.1);
        var frozen = Plan(new PeftOptions { Method = PeftMethod.Freeze, Freeze = new FreezeOptions { FreezeEmbeddings = true, FreezeLayers = 1 } });
        Assert.Equal(ActivationMemory.PeakBytes(config, 8, frozen.LongestBatch.Length, layersWithGradient: 1, gradientCheckpointing: false), frozen.ActivationBytes);
        Assert.True(frozen.ActivationBytes < Plan().ActivationBytes);
        var headOnly = Plan(new PeftOptions { Method = PeftMethod.Freeze, Freeze = new FreezeOptions { TrainOnlyHead = true } });
        Assert.Equal(ActivationMemory.PeakBytes(config, 8, headOnly.LongestBatch.Length, layersWithGradient: 0, gradientCheckpointing: false), headOnly.ActivationBytes);
    }

    [Fact]
    public void Checkpointing_and_bf16_change_the_plan_as_they_change_a_step()
    {
        var plain = Plan();
        var checkpointed = Plan(change: a => a with { GradientCheckpointing = true });
        Assert.True(checkpointed.ActivationBytes < plain.ActivationBytes);
        Assert.True(checkpointed.Flops > plain.Flops, "the forward pass runs twice");
        var bf16 = Plan(change: a => a with { Bf16 = true });
        var matrices = TinyTextClassification.Model(initSeed: 1).parameters().Where(p => p.dim() == 2).Sum(p => p.numel());
        Assert.Equal(2 * matrices, bf16.AutocastCopyBytes);
    }

    [Fact]
    public void Disk_holds_the_checkpoints_kept_plus_the_one_being_written_and_the_final_model()
    {
        var limited = Plan(change: a => a with { SaveStrategy = IntervalStrategy.Steps, SaveSteps = 5, SaveTotalLimit = 2 });
        Assert.Equal(3, limited.CheckpointsAtOnce); // 26 steps: 5 saves, at most 2 kept + 1 being written
        Assert.Equal(3 * limited.CheckpointBytes + limited.FinalModelBytes, limited.DiskBytes);
        Assert.True(limited.CheckpointBytes > limited.WeightBytes + limited.OptimizerBytes - 1, "weights and optimizer state in each checkpoint");
        var none = Plan(change: a => a with { SaveStrategy = IntervalStrategy.No });
        Assert.Equal(0, none.CheckpointsAtOnce);
        Assert.Equal(none.FinalModelBytes, none.DiskBytes);
        Assert.NotNull(none.FreeDiskBytes);
    }

    [Fact]
    public void A_run_larger_than_the_machine_does_not_fit_and_gets_advice_that_would_fit_better()
    {
        var small = new MachineResources(TotalMemoryBytes: 310L << 20, AvailableMemoryBytes: 8L << 20, LogicalCores: 2);
        var plan = Plan(machine: small, processBytes: 309L << 20, change: a => a with { PerDeviceTrainBatchSize = 64, MaxLength = 32 });
        Assert.Equal(MemoryVerdict.DoesNotFit, plan.Verdict);
        Assert.Contains(plan.Advice, a => a.StartsWith("gradient_checkpointing=true", StringComparison.Ordinal));
        Assert.Contains(plan.Advice, a => a.StartsWith("per_device_train_batch_size=16 gradient_accumulation_steps=4", StringComparison.Ordinal));
        Assert.Contains(plan.Describe(), l => l.Contains("DOES NOT FIT", StringComparison.Ordinal));
        var tight = Plan(machine: new MachineResources(64L << 30, 1L << 10, 2));
        Assert.Equal(MemoryVerdict.Tight, tight.Verdict);
    }

    [Fact]
    public void With_glibcs_malloc_the_peak_may_run_higher_which_makes_a_run_tight_but_never_refused()
    {
        var cached = Plan();
        var glibc = Plan(allocator: "system");
        Assert.Equal(cached.PeakBytes, glibc.PeakBytes);
        Assert.Equal((long)(glibc.PeakBytes * ResourcePlanner.GlibcPeakFactor), glibc.PeakBytesUpperBound);
        Assert.Equal(cached.PeakBytes, cached.PeakBytesUpperBound);
        Assert.Contains("with glibc's malloc", glibc.Describe()[0]);
        // Fits the estimate but not the allocator's upper bound: tight, not refused.
        var machine = new MachineResources(TotalMemoryBytes: glibc.PeakBytes + (1L << 20), AvailableMemoryBytes: 64L << 30, LogicalCores: 2);
        Assert.Equal(MemoryVerdict.Fits, Plan(machine: machine).Verdict);
        Assert.Equal(MemoryVerdict.Tight, Plan(machine: machine, allocator: "system").Verdict);
    }

    [Fact]
    public void The_recipe_refuses_a_run_that_cannot_fit_before_writing_anything_unless_told_not_to_check()
    {
        var model = TinyTextClassification.BaseModelFolder(_tmp.File("base"));
        var train = _tmp.File("train.tsv");
        File.WriteAllLines(train, ["sentence\tlabel", .. TinyTextClassification.Dataset(40, seed: 3).Examples.Select(e => $"{e.Text}\t{e.Label}")]);
        var output = _tmp.File("out");
        var options = new TextClassificationRunOptions
        {
            ModelDir = model, TrainPath = train, TextColumn = "sentence", LabelColumn = "label",
            // The tiny model has 64 positions: a longer max_length is refused before anything else.
            Args = new TrainingArguments { OutputDir = output, MaxSteps = 2, PerDeviceTrainBatchSize = 8, SaveStrategy = IntervalStrategy.No, MaxLength = 32 },
            Machine = new MachineResources(TotalMemoryBytes: 1L << 20, AvailableMemoryBytes: 1L << 20, LogicalCores: 2),
        };
        var lines = new List<string>();
        var error = Assert.Throws<TrainingException>(() => TextClassificationFineTuning.Run(options, new NullCallback(), lines.Add));
        Assert.Contains("no_resource_check", error.Message); // a setting name; the CLI renders it as --no-resource-check (PeftCliTests)
        Assert.Contains(lines, l => l.StartsWith("plan: peak memory", StringComparison.Ordinal));
        Assert.False(Directory.Exists(output), "nothing is written before the check");

        var result = TextClassificationFineTuning.Run(options with { CheckResources = false }, new NullCallback(), _ => { });
        Assert.Equal(2, result.Train.GlobalStep);
        Assert.Equal(MemoryVerdict.DoesNotFit, result.Plan.Verdict);
    }

    private sealed class NullCallback : ITrainerCallback;
}
