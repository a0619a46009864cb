using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TuneSharp.Training;

/// <summary>A trainable parameter with its state_dict name.</summary>
public sealed record NamedParameter(string Name, Parameter Parameter);

/// <summary>
/// Builds AdamW as transformers' Trainer does: only parameters with requires_grad go to the optimizer, in two groups,
/// weight decay for matrices and none for biases and normalisation weights (LayerNorm / RMSNorm).
/// </summary>
public static class OptimizerSetup
{
    /// <summary>True for parameters that get no weight decay: names ending in "bias" or containing "norm" (any case).</summary>
    public static bool IsNoDecay(string name) =>
        name.EndsWith("bias", StringComparison.Ordinal) || name.Contains("norm", StringComparison.OrdinalIgnoreCase);

    /// <summary>The parameters that will be trained (requires_grad = true), in state_dict order.</summary>
    public static List<NamedParameter> TrainableParameters(nn.Module model) =>
        model.named_parameters().Where(p => p.parameter.requires_grad).Select(p => new NamedParameter(p.name, p.parameter)).ToList();

    /// <summary>
    /// AdamW over <paramref name="trainable"/> with the two groups (decay group first; an empty group is left out).
    /// </summary>
    /// <exception cref="TrainingException">Nothing is trainable.</exception>
    public static AdamW CreateAdamW(IReadOnlyList<NamedParameter> trainable, TrainingArguments args)
    {
        if (trainable.Count == 0)
            throw new TrainingException("The model has no trainable parameters (every parameter has requires_grad = false); nothing to train.");
        var decay = trainable.Where(p => !IsNoDecay(p.Name)).Select(p => p.Parameter).ToList();
        var noDecay = trainable.Where(p => IsNoDecay(p.Name)).Select(p => p.Parameter).ToList();
        var groups = new List<AdamW.ParamGroup>();
        if (decay.Count > 0) groups.Add(Group(decay, args, args.WeightDecay));
        if (noDecay.Count > 0) groups.Add(Group(noDecay, args, 0.0));
        return optim.AdamW(groups, args.LearningRate, args.AdamBeta1, args.AdamBeta2, args.AdamEpsilon, args.WeightDecay);
    }

    private static AdamW.ParamGroup Group(List<Parameter> parameters, TrainingArguments args, double weightDecay) =>
        new(parameters, args.LearningRate, args.AdamBeta1, args.AdamBeta2, args.AdamEpsilon, weightDecay);

    /// <summary>Sets the learning rate of every parameter group.</summary>
    public static void SetLearningRate(optim.Optimizer optimizer, double learningRate)
    {
        foreach (var group in optimizer.ParamGroups) group.LearningRate = learningRate;
    }
}
