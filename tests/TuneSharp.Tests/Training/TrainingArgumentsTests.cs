using System.Text.Json.Nodes;
using TuneSharp.Training;

namespace TuneSharp.Tests.Training;

public class TrainingArgumentsTests
{
    private static readonly TrainingArguments Valid = new() { OutputDir = "out" };

    public static TheoryData<string, TrainingArguments> Impossible => new()
    {
        { "learning_rate", Valid with { LearningRate = -1e-5 } },
        { "learning_rate", Valid with { LearningRate = double.NaN } },
        { "per_device_train_batch_size", Valid with { PerDeviceTrainBatchSize = 0 } },
        { "per_device_eval_batch_size", Valid with { PerDeviceEvalBatchSize = 0 } },
        { "num_train_epochs", Valid with { NumTrainEpochs = 0, MaxSteps = -1 } },
        { "num_train_epochs", Valid with { NumTrainEpochs = -2, MaxSteps = 0 } },
        { "gradient_accumulation_steps", Valid with { GradientAccumulationSteps = 0 } },
        { "weight_decay", Valid with { WeightDecay = -0.1 } },
        { "adam_beta1", Valid with { AdamBeta1 = 1.0 } },
        { "adam_beta2", Valid with { AdamBeta2 = -0.1 } },
        { "adam_epsilon", Valid with { AdamEpsilon = -1 } },
        { "max_grad_norm", Valid with { MaxGradNorm = -1 } },
        { "warmup_ratio", Valid with { WarmupRatio = 1.5 } },
        { "warmup_steps", Valid with { WarmupSteps = -3 } },
        { "label_smoothing_factor", Valid with { LabelSmoothingFactor = 1.0 } },
        { "logging_steps", Valid with { LoggingSteps = 0 } },
        { "max_length", Valid with { MaxLength = 0 } },
        { "hidden_dropout_prob", Valid with { HiddenDropoutProb = 1.0 } },
        { "eval_steps", Valid with { EvalStrategy = IntervalStrategy.Steps, EvalSteps = null } },
        { "eval_steps", Valid with { EvalStrategy = IntervalStrategy.Steps, EvalSteps = 0 } },
        { "save_steps", Valid with { SaveStrategy = IntervalStrategy.Steps, SaveSteps = 0 } },
        { "save_total_limit", Valid with { SaveTotalLimit = 0 } },
        { "load_best_model_at_end", Valid with { LoadBestModelAtEnd = true } },
        { "load_best_model_at_end", Valid with { LoadBestModelAtEnd = true, EvalStrategy = IntervalStrategy.Epoch, SaveStrategy = IntervalStrategy.Steps } },
        { "save_steps", Valid with { LoadBestModelAtEnd = true, EvalStrategy = IntervalStrategy.Steps, EvalSteps = 30, SaveStrategy = IntervalStrategy.Steps, SaveSteps = 50 } },
        { "early_stopping_patience", Valid with { EarlyStoppingPatience = 2 } },
        { "early_stopping_patience", Valid with { EarlyStoppingPatience = -1, EvalStrategy = IntervalStrategy.Epoch } },
        { "early_stopping_threshold", Valid with { EarlyStoppingThreshold = -0.5 } },
        { "output_dir", Valid with { OutputDir = " " } },
    };

    [Theory]
    [MemberData(nameof(Impossible))]
    public void ValidateRejectsImpossibleValuesNamingTheOption(string option, TrainingArguments args)
    {
        var error = Assert.Throws<TrainingException>(args.Validate);
        Assert.Contains(option, error.Message);
        Assert.IsAssignableFrom<TuneSharpException>(error);
    }

    [Fact]
    public void TrainerRejectsBeforeAnyWork()
    {
        using var task = new ToyRegressionTask();
        using var dir = new TempDir();
        var output = Path.Combine(dir.Path, "never");
        var error = Assert.Throws<TrainingException>(() => new Trainer(task, new TrainingArguments { OutputDir = output, PerDeviceTrainBatchSize = 0 }));
        Assert.Contains("per_device_train_batch_size", error.Message);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void DefaultsAndValidCombinationsPass()
    {
        Valid.Validate();
        (Valid with { MaxSteps = 10, NumTrainEpochs = 0 }).Validate();
        (Valid with { LoadBestModelAtEnd = true, EvalStrategy = IntervalStrategy.Steps, EvalSteps = 25, SaveSteps = 50 }).Validate();
        (Valid with { EarlyStoppingPatience = 3, EvalStrategy = IntervalStrategy.Epoch, SaveStrategy = IntervalStrategy.Epoch, LoadBestModelAtEnd = true }).Validate();
    }

    [Fact]
    public void WarmupLongerThanTrainingIsRejectedOnceStepsAreKnown()
    {
        var args = Valid with { WarmupSteps = 11 };
        args.Validate();
        var error = Assert.Throws<TrainingException>(() => args.ValidateForSteps(10));
        Assert.Contains("warmup_steps", error.Message);
        Assert.Contains("10", error.Message);
        args.ValidateForSteps(11);
    }

    [Fact]
    public void WarmupLongerThanTrainingStopsTheTrainerBeforeTheFirstStep()
    {
        using var task = new ToyRegressionTask(examples: 16);
        using var dir = new TempDir();
        var args = new TrainingArguments { OutputDir = dir.Path, PerDeviceTrainBatchSize = 8, NumTrainEpochs = 1, WarmupSteps = 5 };
        var error = Assert.Throws<TrainingException>(() => new Trainer(task, args).Train());
        Assert.Contains("warmup_steps (5)", error.Message);
        Assert.Empty(task.SeenBatches);
    }

    [Fact]
    public void MetricForBestModelGetsTheEvalPrefixAndDirection()
    {
        Assert.Equal("eval_loss", Valid.BestMetricKey);
        Assert.False(Valid.IsGreaterBetter);
        var accuracy = Valid with { MetricForBestModel = "accuracy" };
        Assert.Equal("eval_accuracy", accuracy.BestMetricKey);
        Assert.True(accuracy.IsGreaterBetter);
        Assert.Equal("eval_f1", (Valid with { MetricForBestModel = "eval_f1" }).BestMetricKey);
        Assert.False((accuracy with { GreaterIsBetter = false }).IsGreaterBetter);
    }

    [Fact]
    public void JsonUsesHuggingFaceSnakeCaseNamesAndRoundTrips()
    {
        var args = Valid with { LrSchedulerType = SchedulerType.ConstantWithWarmup, EvalStrategy = IntervalStrategy.Epoch, AdamBeta2 = 0.98 };
        var json = JsonNode.Parse(args.ToJson())!.AsObject();
        Assert.Equal(5e-5, json["learning_rate"]!.GetValue<double>());
        Assert.Equal(8, json["per_device_train_batch_size"]!.GetValue<int>());
        Assert.Equal(0.98, json["adam_beta2"]!.GetValue<double>());
        Assert.Equal("constant_with_warmup", json["lr_scheduler_type"]!.GetValue<string>());
        Assert.Equal("epoch", json["eval_strategy"]!.GetValue<string>());
        foreach (var key in new[] { "output_dir", "num_train_epochs", "max_steps", "warmup_ratio", "gradient_accumulation_steps", "max_grad_norm",
                                    "label_smoothing_factor", "save_total_limit", "load_best_model_at_end", "metric_for_best_model", "group_by_length" })
            Assert.True(json.ContainsKey(key), key);
        Assert.Equal(args, TrainingArguments.FromJson(args.ToJson()));
    }
}
