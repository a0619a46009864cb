using static TuneSharp.Training.TrainingArguments;

namespace TuneSharp.Training;

/// <summary>The checks behind <see cref="TrainingArguments.Validate"/>; each message starts with the snake_case option name.</summary>
internal static class TrainingArgumentsValidator
{
    public static List<string> Problems(TrainingArguments a)
    {
        var p = new List<string>();
        void Check(bool ok, string message) { if (!ok) p.Add(message); }
        static bool Finite(double v) => double.IsFinite(v);

        Check(!string.IsNullOrWhiteSpace(a.OutputDir), "output_dir must be a folder path, got an empty value.");
        Check(Finite(a.LearningRate) && a.LearningRate >= 0, $"learning_rate must be a non-negative number, got {Format(a.LearningRate)}.");
        Check(a.PerDeviceTrainBatchSize >= 1, $"per_device_train_batch_size must be at least 1, got {a.PerDeviceTrainBatchSize}.");
        Check(a.PerDeviceEvalBatchSize >= 1, $"per_device_eval_batch_size must be at least 1, got {a.PerDeviceEvalBatchSize}.");
        Check(Finite(a.NumTrainEpochs), $"num_train_epochs must be a number, got {Format(a.NumTrainEpochs)}.");
        Check(a.MaxSteps > 0 || a.NumTrainEpochs > 0,
            $"num_train_epochs must be positive when max_steps is not set (num_train_epochs = {Format(a.NumTrainEpochs)}, max_steps = {a.MaxSteps}).");
        Check(a.GradientAccumulationSteps >= 1, $"gradient_accumulation_steps must be at least 1, got {a.GradientAccumulationSteps}.");
        Check(Finite(a.WeightDecay) && a.WeightDecay >= 0, $"weight_decay must be non-negative, got {Format(a.WeightDecay)}.");
        Check(a.AdamBeta1 >= 0 && a.AdamBeta1 < 1, $"adam_beta1 must be in [0, 1), got {Format(a.AdamBeta1)}.");
        Check(a.AdamBeta2 >= 0 && a.AdamBeta2 < 1, $"adam_beta2 must be in [0, 1), got {Format(a.AdamBeta2)}.");
        Check(Finite(a.AdamEpsilon) && a.AdamEpsilon >= 0, $"adam_epsilon must be non-negative, got {Format(a.AdamEpsilon)}.");
        // libtorch takes the clipping bound as a 32-bit float.
        Check(Finite(a.MaxGradNorm) && a.MaxGradNorm >= 0 && a.MaxGradNorm <= float.MaxValue,
            $"max_grad_norm must be non-negative (0 disables clipping) and at most {float.MaxValue:0.#e+0}, got {Format(a.MaxGradNorm)}.");
        Check(a.WarmupRatio >= 0 && a.WarmupRatio <= 1, $"warmup_ratio must be in [0, 1], got {Format(a.WarmupRatio)}.");
        Check(a.WarmupSteps >= 0, $"warmup_steps must be non-negative, got {a.WarmupSteps}.");
        Check(a.LabelSmoothingFactor >= 0 && a.LabelSmoothingFactor < 1, $"label_smoothing_factor must be in [0, 1), got {Format(a.LabelSmoothingFactor)}.");
        Check(a.LoggingSteps >= 1, $"logging_steps must be at least 1, got {a.LoggingSteps}.");
        Check(a.ResumeFromCheckpoint is null || !string.IsNullOrWhiteSpace(a.ResumeFromCheckpoint),
            "resume_from_checkpoint must be a checkpoint folder or \"latest\", got an empty value.");
        Check(a.MaxLength >= 1, $"max_length must be at least 1, got {a.MaxLength}.");
        Check(a.HiddenDropoutProb is null || (a.HiddenDropoutProb >= 0 && a.HiddenDropoutProb < 1),
            $"hidden_dropout_prob must be in [0, 1), got {a.HiddenDropoutProb}.");

        if (a.EvalStrategy == IntervalStrategy.Steps)
            Check(a.EvalSteps is > 0, $"eval_steps must be a positive number of steps when eval_strategy is \"steps\", got {a.EvalSteps?.ToString() ?? "nothing"}.");
        if (a.SaveStrategy == IntervalStrategy.Steps)
            Check(a.SaveSteps >= 1, $"save_steps must be at least 1 when save_strategy is \"steps\", got {a.SaveSteps}.");
        Check(a.SaveTotalLimit is null || a.SaveTotalLimit >= 1, $"save_total_limit must be at least 1 (or unset to keep every checkpoint), got {a.SaveTotalLimit}.");

        if (a.LoadBestModelAtEnd)
        {
            Check(a.EvalStrategy != IntervalStrategy.No, "load_best_model_at_end needs evaluations: set eval_strategy to \"steps\" or \"epoch\".");
            Check(a.EvalStrategy == a.SaveStrategy || a.EvalStrategy == IntervalStrategy.No,
                $"load_best_model_at_end requires save_strategy to match eval_strategy, got save_strategy \"{Snake(a.SaveStrategy)}\" and eval_strategy \"{Snake(a.EvalStrategy)}\".");
            if (a.EvalStrategy == IntervalStrategy.Steps && a.SaveStrategy == IntervalStrategy.Steps && a.EvalSteps is > 0 && a.SaveSteps >= 1)
                Check(a.SaveSteps % a.EvalSteps.Value == 0,
                    $"load_best_model_at_end requires save_steps ({a.SaveSteps}) to be a multiple of eval_steps ({a.EvalSteps}), so every saved checkpoint has been evaluated.");
        }
        if (a.EarlyStoppingPatience is < 0)
            p.Add($"early_stopping_patience must be non-negative (0 or unset disables it), got {a.EarlyStoppingPatience}.");
        if (a.EarlyStoppingEnabled)
            Check(a.EvalStrategy != IntervalStrategy.No, "early_stopping_patience needs evaluations: set eval_strategy to \"steps\" or \"epoch\".");
        Check(a.MaxConsecutiveNonfiniteSteps >= 1, $"max_consecutive_nonfinite_steps must be at least 1, got {a.MaxConsecutiveNonfiniteSteps}.");
        Check(Finite(a.EarlyStoppingThreshold) && a.EarlyStoppingThreshold >= 0, $"early_stopping_threshold must be non-negative, got {Format(a.EarlyStoppingThreshold)}.");
        return p;
    }

    private static string Snake(IntervalStrategy s) => s.ToString().ToLowerInvariant();
}
