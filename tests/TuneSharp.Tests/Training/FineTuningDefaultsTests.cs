using TuneSharp.Recipes;
using TuneSharp.Training;

namespace TuneSharp.Tests.Training;

/// <summary>One set of recipe defaults: what C# callers get from FineTuningDefaults is what the CLI builds from the same table.</summary>
public sealed class FineTuningDefaultsTests
{
    [Fact]
    public void The_csharp_defaults_are_the_cli_defaults_and_differ_from_transformers_where_stated()
    {
        var args = FineTuningDefaults.Arguments("runs/x");
        Assert.Equal("runs/x", args.OutputDir);
        Assert.Equal(IntervalStrategy.Epoch, args.EvalStrategy);
        Assert.Equal(IntervalStrategy.Epoch, args.SaveStrategy);
        Assert.Equal(2, args.SaveTotalLimit);
        Assert.Equal(32, args.PerDeviceTrainBatchSize);
        Assert.Equal(64, args.PerDeviceEvalBatchSize);
        Assert.True(args.GroupByLength);
        // Every other key keeps transformers' default.
        var plain = new TrainingArguments { OutputDir = "runs/x" };
        Assert.Equal(plain with
        {
            EvalStrategy = args.EvalStrategy, SaveStrategy = args.SaveStrategy, SaveTotalLimit = args.SaveTotalLimit,
            PerDeviceTrainBatchSize = args.PerDeviceTrainBatchSize, PerDeviceEvalBatchSize = args.PerDeviceEvalBatchSize, GroupByLength = args.GroupByLength,
        }, args);
        Assert.Equal(6, FineTuningDefaults.Settings.Count);
    }

    [Fact]
    public void Train_help_states_the_recipe_defaults()
    {
        var (code, stdout, _) = Cli.CliRunner.Run("train", "--help");
        Assert.Equal(0, code);
        Assert.Contains("default epoch", stdout);
        Assert.Contains("default true", stdout); // group_by_length
    }
}
