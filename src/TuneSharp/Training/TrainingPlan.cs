namespace TuneSharp.Training;

/// <summary>How many batches and optimizer steps a run has, computed as HF's Trainer does.</summary>
/// <param name="BatchesPerEpoch">Micro-batches per epoch: ceil(examples / batch size).</param>
/// <param name="StepsPerEpoch">Optimizer steps per epoch: ceil(batches / gradient_accumulation_steps) (a final partial group still steps).</param>
/// <param name="TotalSteps">max_steps when positive, else ceil(num_train_epochs · steps per epoch).</param>
/// <param name="Epochs">Epochs to iterate (the last one may stop early).</param>
public sealed record TrainingPlan(int BatchesPerEpoch, int StepsPerEpoch, int TotalSteps, int Epochs)
{
    /// <exception cref="TrainingException">There are no training examples.</exception>
    public static TrainingPlan For(TrainingArguments args, int trainExamples)
    {
        if (trainExamples <= 0) throw new TrainingException("The training set is empty; there is nothing to train on.");
        var batches = (trainExamples + args.PerDeviceTrainBatchSize - 1) / args.PerDeviceTrainBatchSize;
        var stepsPerEpoch = (batches + args.GradientAccumulationSteps - 1) / args.GradientAccumulationSteps;
        var total = args.MaxSteps > 0 ? args.MaxSteps : Math.Max(1, (int)Math.Ceiling(args.NumTrainEpochs * stepsPerEpoch));
        var epochs = (total + stepsPerEpoch - 1) / stepsPerEpoch;
        return new TrainingPlan(batches, stepsPerEpoch, total, epochs);
    }
}
