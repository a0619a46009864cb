namespace TuneSharp.Training;

/// <summary>How many batches and optimizer steps a run has, computed as HF's Trainer does.</summary>
/// <param name="BatchesPerEpoch">Micro-batches per epoch: ceil(examples / batch size).</param>
/// <param name="StepsPerEpoch">Optimizer steps per epoch: ceil(batches / gradient_accumulation_steps) (a final partial group still steps).</param>
/// <param name="TotalSteps">max_steps when positive, else ceil(num_train_epochs · steps per epoch).</param>
/// <param name="Epochs">Epochs to iterate (the last one may stop early).</param>
public sealed record TrainingPlan(int BatchesPerEpoch, int StepsPerEpoch, int TotalSteps, int Epochs)
{
    /// <exception cref="TrainingException">There are no training examples, or the run would have more optimizer steps than
    /// a step counter holds (a huge num_train_epochs).</exception>
    public static TrainingPlan For(TrainingArguments args, int trainExamples)
    {
        if (trainExamples <= 0) throw new TrainingException("The training set is empty; there is nothing to train on.");
        // In long arithmetic: a batch size or accumulation near int.MaxValue must not wrap around.
        var batches = (int)(((long)trainExamples + args.PerDeviceTrainBatchSize - 1) / args.PerDeviceTrainBatchSize);
        var stepsPerEpoch = (int)(((long)batches + args.GradientAccumulationSteps - 1) / args.GradientAccumulationSteps);
        var wanted = args.MaxSteps > 0 ? args.MaxSteps : Math.Ceiling(args.NumTrainEpochs * stepsPerEpoch);
        if (!(wanted <= MaxTotalSteps))
            throw new TrainingException(FormattableString.Invariant(
                $"num_train_epochs {args.NumTrainEpochs} gives {wanted:0.###e+0} optimizer steps ({stepsPerEpoch} per epoch), more than the {MaxTotalSteps:N0} a run can have; use fewer epochs or max_steps.")) { Setting = "num_train_epochs" };
        var total = Math.Max(1, (int)wanted);
        var epochs = (int)(((long)total + stepsPerEpoch - 1) / stepsPerEpoch);
        return new TrainingPlan(batches, stepsPerEpoch, total, epochs);
    }

    /// <summary>The most optimizer steps a run can have (the step counter is a 32-bit integer, as in trainer_state.json readers).</summary>
    public const int MaxTotalSteps = int.MaxValue - 1;
}
