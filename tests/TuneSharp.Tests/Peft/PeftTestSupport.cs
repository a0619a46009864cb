using TuneSharp.Architectures.Bert;
using TuneSharp.Tasks.SequenceClassification;
using TuneSharp.Tests.Tasks.TextClassification;
using TuneSharp.Training;
using static TorchSharp.torch;

namespace TuneSharp.Tests.Peft;

/// <summary>Shared helpers: a few real training steps on the tiny BERT classifier, fixed inputs, and parameter checks.</summary>
internal static class PeftTestSupport
{
    /// <summary>Trains <paramref name="model"/> for 2 epochs × 3 steps with the shared trainer (lr 1e-2, so every trained tensor moves).</summary>
    public static TrainResult TrainFewSteps(BertForSequenceClassification model, string dir)
    {
        var task = TinyTextClassification.Task(model, dir, TinyTextClassification.Dataset(24, seed: 1));
        var args = new TrainingArguments
        {
            OutputDir = Path.Combine(dir, "out"), PerDeviceTrainBatchSize = 8, NumTrainEpochs = 2, LearningRate = 1e-2,
            LoggingSteps = 1, Seed = 42, SaveStrategy = IntervalStrategy.No,
        };
        return new Trainer(task, args).Train();
    }

    /// <summary>A fixed batch of token ids [3, 6] with padding in the last row, its mask and token types.</summary>
    public static (Tensor Ids, Tensor Mask, Tensor Types) Batch()
    {
        var ids = tensor(new long[] { 2, 5, 7, 8, 9, 3, 2, 6, 10, 11, 12, 3, 2, 13, 3, 0, 0, 0 }, [3, 6]);
        var mask = tensor(new long[] { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0 }, [3, 6]);
        return (ids, mask, zeros_like(ids));
    }

    /// <summary>Logits of the fixed batch in eval mode without gradients.</summary>
    public static Tensor Logits(ISequenceClassifier model)
    {
        model.Module.eval();
        using var noGrad = no_grad();
        var (ids, mask, types) = Batch();
        return model.Forward(ids, mask, types);
    }

    /// <summary>Names of parameters with requires_grad = true.</summary>
    public static HashSet<string> Trainable(nn.Module model) =>
        model.named_parameters().Where(p => p.parameter.requires_grad).Select(p => p.name).ToHashSet();

    /// <summary>Names of parameters that differ (bitwise) from the snapshot.</summary>
    public static HashSet<string> Changed(nn.Module model, Dictionary<string, Tensor> before) =>
        model.named_parameters().Where(p => !TinyTextClassification.Identical(p.parameter, before[p.name])).Select(p => p.name).ToHashSet();
}
