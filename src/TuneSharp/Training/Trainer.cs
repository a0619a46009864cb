using System.Diagnostics;
using TorchSharp.Modules;
using TuneSharp.Models;
using static TorchSharp.torch;

namespace TuneSharp.Training;

/// <summary>
/// The training loop shared by every task (HF Trainer semantics): AdamW with decay/no-decay groups, a learning-rate
/// schedule, gradient accumulation that equals large-batch training exactly, gradient clipping, periodic logging,
/// evaluation, checkpoints, early stopping and best-model reloading. The task (<see cref="ITrainingTask"/>) supplies
/// batches, losses, metrics and saving. Progress goes to an <see cref="ITrainerCallback"/>; nothing is printed.
/// </summary>
public sealed class Trainer
{
    private readonly ITrainingTask _task;
    private readonly ITrainerCallback _callback;
    private RunOutputFolder? _output;

    /// <summary>Validates <paramref name="args"/> immediately, before any work.</summary>
    /// <exception cref="TrainingException">An impossible option.</exception>
    public Trainer(ITrainingTask task, TrainingArguments args, ITrainerCallback? callback = null)
    {
        _task = task ?? throw new ArgumentNullException(nameof(task));
        Args = args ?? throw new ArgumentNullException(nameof(args));
        Args.Validate();
        _callback = callback ?? NullTrainerCallback.Instance;
    }

    public TrainingArguments Args { get; }

    /// <summary>Progress and history of the latest <see cref="Train(CancellationToken)"/> (also written as trainer_state.json).</summary>
    public TrainerState State { get; private set; } = new();

    /// <summary>
    /// Trains, evaluates and writes the outputs into output_dir (see the class summary for the layout). With
    /// resume_from_checkpoint set, continues that checkpoint's run exactly (weights, AdamW state, history, random
    /// generator, position in the epoch) instead of starting from the model's current weights.
    /// </summary>
    /// <exception cref="TrainingException">The checkpoint to resume from is missing, incomplete or from another model.</exception>
    /// <param name="ct">Cancelling stops after the current optimizer step and saves a checkpoint.</param>
    public TrainResult Train(CancellationToken ct = default)
    {
        var plan = TrainingPlan.For(Args, _task.TrainExampleCount);
        Args.ValidateForSteps(plan.TotalSteps);
        using var output = RunOutputFolder.Open(Args, RunIdentity.None, _callback.OnLog);
        return Train(output, ct);
    }

    /// <summary>
    /// <see cref="Train(CancellationToken)"/> into an output folder the caller opened (and disposes) itself, before
    /// loading the model and data, so that a folder it cannot use is refused before any expensive work. The run's
    /// identity is written into output_dir and every checkpoint.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="output"/> is not the folder of <see cref="TrainingArguments.OutputDir"/>.</exception>
    public TrainResult Train(RunOutputFolder output, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (!FolderPaths.Same(output.Path, Args.OutputDir))
            throw new ArgumentException($"The output folder {output.Path} is not output_dir {Args.OutputDir}.", nameof(output));
        _output = output;
        var plan = TrainingPlan.For(Args, _task.TrainExampleCount);
        Args.ValidateForSteps(plan.TotalSteps);
        State = new TrainerState
        {
            MaxSteps = plan.TotalSteps, NumTrainEpochs = plan.Epochs, LoggingSteps = Args.LoggingSteps,
            EvalSteps = Args.EvalSteps, SaveSteps = Args.SaveSteps, TrainBatchSize = Args.PerDeviceTrainBatchSize,
        };
        var run = new TrainingRun(this, plan, ct);
        var result = run.Execute();
        _callback.OnTrainEnd(result);
        return result;
    }

    /// <summary>
    /// Evaluates the task's evaluation set in eval mode under no_grad: eval_loss, the task's metrics, eval_runtime,
    /// eval_samples_per_second, eval_steps_per_second (and epoch during training). The model's train/eval mode is restored.
    /// </summary>
    /// <exception cref="TrainingException">The task has no evaluation set.</exception>
    public Dictionary<string, double> Evaluate(CancellationToken ct = default) => EvaluateAt(null, ct);

    internal Dictionary<string, double> EvaluateAt(double? epoch, CancellationToken ct)
    {
        if (_task.EvalExampleCount <= 0) throw new TrainingException("Cannot evaluate: the task has no evaluation examples.");
        var model = _task.Model;
        var wasTraining = model.training;
        var watch = Stopwatch.StartNew();
        Dictionary<string, double> metrics;
        model.eval();
        try
        {
            using (no_grad())
                metrics = _task.Evaluate(Args.PerDeviceEvalBatchSize, Args.LabelSmoothingFactor, ct);
        }
        finally
        {
            if (wasTraining) model.train();
        }
        var seconds = Math.Max(watch.Elapsed.TotalSeconds, 1e-9);
        var batches = (_task.EvalExampleCount + Args.PerDeviceEvalBatchSize - 1) / Args.PerDeviceEvalBatchSize;
        metrics["eval_runtime"] = seconds;
        metrics["eval_samples_per_second"] = _task.EvalExampleCount / seconds;
        metrics["eval_steps_per_second"] = batches / seconds;
        if (epoch is { } e) metrics["epoch"] = e;
        return metrics;
    }

    /// <summary>One call of <see cref="Train(CancellationToken)"/>: the mutable loop state kept out of the trainer itself.</summary>
    private sealed class TrainingRun
    {
        private readonly Trainer _trainer;
        private readonly TrainingPlan _plan;
        private readonly CancellationToken _ct;
        private readonly TrainingArguments _args;
        private readonly ITrainingTask _task;
        private readonly ITrainerCallback _callback;
        private readonly TrainerState _state;
        private readonly BestMetricTracker _best;
        private readonly LearningRateSchedule _schedule;
        private readonly Stopwatch _watch = new();
        private List<NamedParameter> _trainable = new();
        private AdamW? _optimizer;
        private double _totalLoss, _lossSinceLog;
        private int _stepsSinceLog, _lastSavedStep = -1, _firstStep;
        private (int Step, Dictionary<string, double> Metrics)? _lastEval; // reused at the end when nothing changed since

        public TrainingRun(Trainer trainer, TrainingPlan plan, CancellationToken ct)
        {
            (_trainer, _plan, _ct) = (trainer, plan, ct);
            (_args, _task, _callback, _state) = (trainer.Args, trainer._task, trainer._callback, trainer.State);
            _best = new BestMetricTracker(_args);
            _schedule = LearningRateSchedule.For(_args, plan.TotalSteps);
        }

        public TrainResult Execute()
        {
            manual_seed(_args.Seed); // dropout masks depend only on the seed (a resume then restores the saved generator state)
            var model = _task.Model;
            _trainable = OptimizerSetup.TrainableParameters(model);
            using var optimizer = OptimizerSetup.CreateAdamW(_trainable, _args);
            _optimizer = optimizer;
            if (_args.ResumeFromCheckpoint is { } resumeFrom) Resume(resumeFrom);
            _firstStep = _state.GlobalStep;
            model.train();
            _callback.OnTrainBegin(_plan.TotalSteps);
            _watch.Start();

            var stop = StopReason.Completed;
            if (_args.ResumeFromCheckpoint is not null && EvaluationPending())
            {
                // The interrupted run was cancelled right after this step, before its evaluation: do it now, as the
                // uninterrupted run did (evaluation draws no random numbers, so the generator state is unaffected).
                stop = EvaluateAndSaveOrCancel(AtEpochEnd, _state.GlobalStep >= _plan.TotalSteps);
            }

            // Batches of an epoch depend only on (seed, epoch), so skipping the optimizer steps already done in the
            // current epoch reproduces exactly the remaining batches of the interrupted run, in the same order.
            var startEpoch = _state.GlobalStep / _plan.StepsPerEpoch;
            var stepsDoneInEpoch = _state.GlobalStep % _plan.StepsPerEpoch;
            for (int epoch = startEpoch; epoch < _plan.Epochs && _state.GlobalStep < _plan.TotalSteps && stop == StopReason.Completed; epoch++)
            {
                var batches = _task.TrainBatches(epoch, _args.PerDeviceTrainBatchSize, _args.Seed, _args.GroupByLength);
                var groups = batches.Chunk(_args.GradientAccumulationSteps).ToList();
                for (int g = epoch == startEpoch ? stepsDoneInEpoch : 0; g < groups.Count; g++)
                {
                    var loss = OptimizerStep(groups[g]);
                    _state.GlobalStep++;
                    _state.Epoch = epoch + (double)(g + 1) / groups.Count;
                    AfterStep(loss);
                    NativeMemory.SweepEvery(_state.GlobalStep); // keeps resident memory flat over long runs (see NativeMemory)
                    FaultInjection.At(FaultInjection.AfterStep, _state.GlobalStep);

                    var finished = _state.GlobalStep >= _plan.TotalSteps;
                    var epochEnd = g == groups.Count - 1 || finished;
                    // Cancellation takes effect after the step: no evaluation, just the checkpoint Cancel() writes.
                    stop = _ct.IsCancellationRequested ? StopReason.Cancelled : EvaluateAndSaveOrCancel(epochEnd, finished);
                    if (finished || stop != StopReason.Completed) break;
                }
            }
            _watch.Stop();
            return stop == StopReason.Cancelled ? Cancel() : Finish(stop == StopReason.EarlyStopped);
        }

        /// <summary>
        /// Continues from a checkpoint: model weights, AdamW state, progress and history, best metric and early-stopping
        /// counter, running loss sums and the random generator (the learning rate follows from the step).
        /// </summary>
        private void Resume(string resumeFrom)
        {
            var dir = _trainer._output!.ResumeCheckpoint ?? CheckpointFolders.ResolveForResume(resumeFrom, _args.OutputDir);
            var saved = TrainerState.Load(dir);
            _task.LoadModelWeights(dir);
            OptimizerStateFile.Load(dir, _optimizer!, _trainable);
            if (File.Exists(Path.Combine(dir, RngStateFile.FileName))) RngStateFile.Load(dir);
            else _callback.OnLog($"warning: {dir} has no {RngStateFile.FileName}; dropout masks will differ from an uninterrupted run");

            _state.GlobalStep = saved.GlobalStep;
            _state.Epoch = saved.Epoch;
            _state.LogHistory = saved.LogHistory;
            (_state.BestMetric, _state.BestStep, _state.BestModelCheckpoint) = (saved.BestMetric, saved.BestStep, saved.BestModelCheckpoint);
            _state.EarlyStoppingPatienceCounter = saved.EarlyStoppingPatienceCounter;
            _best.Restore(saved.BestMetric, saved.BestStep, saved.EarlyStoppingPatienceCounter);
            (_totalLoss, _lossSinceLog, _stepsSinceLog) = (saved.TrainLossSum, saved.LossSinceLastLog, saved.StepsSinceLastLog);
            _lastSavedStep = saved.GlobalStep; // cancelling before the next step need not save the same weights again
            _callback.OnLog($"resumed from {dir} at step {saved.GlobalStep} (epoch {saved.Epoch.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture)})");
        }

        private bool AtEpochEnd => _state.GlobalStep % _plan.StepsPerEpoch == 0 || _state.GlobalStep >= _plan.TotalSteps;

        /// <summary>Whether the current step was due an evaluation that is not in the log history (cancelled before it).</summary>
        private bool EvaluationPending()
        {
            var step = _state.GlobalStep;
            var due = step > 0 && IsEvaluationDue(step, AtEpochEnd);
            return due && !_state.LogHistory.Any(e => e.ContainsKey("eval_loss") && e.TryGetValue("step", out var s) && s == step);
        }

        private bool IsEvaluationDue(int step, bool epochEnd) => _task.EvalExampleCount > 0 && _args.EvalStrategy switch
        {
            IntervalStrategy.Steps => step % _args.EvalSteps!.Value == 0,
            IntervalStrategy.Epoch => epochEnd,
            _ => false,
        };

        /// <summary>Forward/backward over the micro-batches, exact mean gradient, clipping, scheduled AdamW step. Returns the mean loss.</summary>
        private double OptimizerStep(int[][] microBatches)
        {
            using var scope = NewDisposeScope();
            _optimizer!.zero_grad();
            double lossSum = 0;
            long count = 0;
            foreach (var batch in microBatches)
            {
                using var batchScope = NewDisposeScope();
                BatchLoss loss;
                using (_args.Bf16 ? CpuAutocast.Enter() : null) loss = _task.ComputeLoss(batch, _args.LabelSmoothingFactor);
                var (sum, n) = loss;
                // Backward on the unscaled sum; dividing the accumulated gradients by the step's total count below gives
                // exactly the gradient of the mean over all examples of the step, however the micro-batches are sized.
                sum.backward();
                lossSum += sum.item<float>();
                count += n;
            }
            if (count <= 0) throw new TrainingException("The task returned batches with no examples.");
            foreach (var p in _trainable)
            {
                var grad = p.Parameter.grad;
                if (grad is not null) grad.div_(count);
            }
            // max_grad_norm 0 means no clipping, but the norm is still computed for logging; libtorch takes the bound as a float.
            var clip = _args.MaxGradNorm > 0 ? _args.MaxGradNorm : float.MaxValue;
            LastGradNorm = nn.utils.clip_grad_norm_(_trainable.Select(p => p.Parameter), clip);
            LastLearningRate = _schedule.At(_state.GlobalStep);
            if (!double.IsFinite(lossSum) || !double.IsFinite(LastGradNorm))
            {
                SkipNonFiniteStep(lossSum / count);
                return double.NaN;
            }
            _consecutiveNonFinite = 0;
            OptimizerSetup.SetLearningRate(_optimizer, LastLearningRate);
            FusedAdamW.Step(_optimizer);
            return lossSum / count;
        }

        private int _consecutiveNonFinite;

        /// <summary>
        /// A NaN/∞ loss or gradient: the optimizer does not step, so weights and AdamW moments stay as they were. The
        /// step still counts (its batches are consumed and the schedule moves on), which keeps the learning rate, the
        /// data order and a later resume consistent with the plan. Too many in a row means the run has diverged.
        /// </summary>
        private void SkipNonFiniteStep(double loss)
        {
            _optimizer!.zero_grad();
            _consecutiveNonFinite++;
            var step = _state.GlobalStep + 1;
            _callback.OnLog(FormattableString.Invariant(
                $"warning: step {step} skipped: non-finite {(double.IsFinite(loss) ? "gradient" : "loss")} (loss {loss}, grad_norm {LastGradNorm}); {_consecutiveNonFinite} in a row"));
            if (_consecutiveNonFinite >= _args.MaxConsecutiveNonfiniteSteps)
            {
                var lastGood = _state.BestModelCheckpoint ?? (_lastSavedStep > 0 ? $"checkpoint-{_lastSavedStep}" : "none yet");
                throw new TrainingException(FormattableString.Invariant(
                    $"Training diverged: {_consecutiveNonFinite} consecutive steps up to step {step} had a non-finite loss or gradient (max_consecutive_nonfinite_steps = {_args.MaxConsecutiveNonfiniteSteps}). The last checkpoint written ({lastGood}) holds finite weights; try a lower learning_rate, warmup, or max_grad_norm."));
            }
        }

        private double LastGradNorm { get; set; }
        private double LastLearningRate { get; set; }

        private void AfterStep(double loss)
        {
            if (double.IsFinite(loss)) // a skipped non-finite step adds nothing to the running losses
            {
                _totalLoss += loss;
                _lossSinceLog += loss;
                _stepsSinceLog++;
            }
            var step = _state.GlobalStep;
            var perSecond = (step - _firstStep) / Math.Max(_watch.Elapsed.TotalSeconds, 1e-9);
            var eta = TimeSpan.FromSeconds(Math.Min((_plan.TotalSteps - step) / perSecond, TimeSpan.MaxValue.TotalSeconds / 2));
            _callback.OnStep(step, loss, LastLearningRate, perSecond, eta);
            // Nothing finite to report since the last entry (every step skipped): no entry rather than a NaN in the history.
            if (step % _args.LoggingSteps != 0 || _stepsSinceLog == 0) return;
            var entry = new Dictionary<string, double>
            {
                ["loss"] = _lossSinceLog / _stepsSinceLog,
                ["grad_norm"] = double.IsFinite(LastGradNorm) ? LastGradNorm : -1,
                ["learning_rate"] = LastLearningRate,
                ["epoch"] = _state.Epoch,
                ["step"] = step,
            };
            _state.LogHistory.Add(entry);
            _lossSinceLog = 0;
            _stepsSinceLog = 0;
            _callback.OnLog(FormattableString.Invariant($"step {step}: loss {entry["loss"]:F4}, grad_norm {LastGradNorm:F4}, learning_rate {LastLearningRate:E3}"));
        }

        private StopReason EvaluateAndSaveOrCancel(bool epochEnd, bool finished)
        {
            try
            {
                return MaybeEvaluateAndSave(epochEnd, finished);
            }
            catch (OperationCanceledException) when (_ct.IsCancellationRequested)
            {
                return StopReason.Cancelled; // cancelled during an evaluation: the step's weights are still saved
            }
        }

        private StopReason MaybeEvaluateAndSave(bool epochEnd, bool finished)
        {
            var step = _state.GlobalStep;
            var evaluate = IsEvaluationDue(step, epochEnd);
            var stop = StopReason.Completed;
            if (evaluate)
            {
                var metrics = _trainer.EvaluateAt(_state.Epoch, _ct);
                _lastEval = (step, metrics);
                _best.Update(step, metrics);
                (_state.BestMetric, _state.BestStep, _state.EarlyStoppingPatienceCounter) = (_best.BestMetric, _best.BestStep, _best.PatienceCounter);
                var entry = new Dictionary<string, double>(metrics) { ["step"] = step };
                _state.LogHistory.Add(entry);
                _callback.OnEvaluate(step, metrics);
                if (_best.ShouldStop)
                {
                    _callback.OnLog($"early stopping at step {step}: {_args.BestMetricKey} did not improve for {_best.PatienceCounter} evaluations");
                    stop = StopReason.EarlyStopped;
                }
            }
            var save = _args.SaveStrategy switch
            {
                // HF also saves at the last step under the steps strategy.
                IntervalStrategy.Steps => step % _args.SaveSteps == 0 || finished,
                IntervalStrategy.Epoch => epochEnd,
                _ => false,
            };
            if (save) SaveCheckpoint();
            return stop;
        }

        /// <summary>
        /// Refuses to save weights that hold NaN or ∞: a step can have a finite loss and gradient and still overflow
        /// the weights (a huge learning rate), which the per-step guard cannot see. Only trainable parameters change.
        /// </summary>
        private void EnsureFiniteWeights(string what)
        {
            using var scope = NewDisposeScope();
            var broken = _trainable.FirstOrDefault(p => !p.Parameter.isfinite().all().item<bool>());
            if (broken is null) return;
            var complete = CheckpointFolders.List(_args.OutputDir);
            throw new TrainingException(FormattableString.Invariant(
                $"Training diverged: after step {_state.GlobalStep} the weights of {broken.Name} hold NaN or infinite values, so {what} was not written. ") +
                (complete.Count > 0 ? $"The last checkpoint written, {complete[^1].Path}, holds finite weights. " : "") +
                "Try a lower learning_rate, warmup or max_grad_norm.");
        }

        private void SaveCheckpoint()
        {
            var step = _state.GlobalStep;
            EnsureFiniteWeights($"checkpoint-{step}");
            var finalPath = CheckpointFolders.PathFor(_args.OutputDir, step);
            var previousBest = _state.BestModelCheckpoint;
            if (_best.BestStep == step) _state.BestModelCheckpoint = finalPath;
            try
            {
                CheckpointFolders.Save(_args.OutputDir, step, dir =>
                {
                    _task.Save(dir);
                    OptimizerStateFile.Save(dir, _optimizer!, _trainable);
                    FaultInjection.At(FaultInjection.DuringCheckpoint, step);
                    RngStateFile.Save(dir);
                    SyncRunningSums();
                    _state.Save(dir);
                    _args.Save(dir);
                    _trainer._output!.SaveIdentity(dir);
                });
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _state.BestModelCheckpoint = previousBest; // never point at a checkpoint that was not written
                throw WriteFailed($"the checkpoint {finalPath}", e);
            }
            _lastSavedStep = step;
            _callback.OnLog($"saved {finalPath}");
            foreach (var deleted in CheckpointFolders.Rotate(_args.OutputDir, _args.SaveTotalLimit, _state.BestModelCheckpoint))
                _callback.OnLog($"deleted {deleted} (save_total_limit {_args.SaveTotalLimit})");
        }

        /// <summary>
        /// A checkpoint or the final model could not be written (disk full, permissions, a file where a folder should
        /// be): a user error naming what was being written, why, and the last complete checkpoint to resume from.
        /// </summary>
        private TrainingException WriteFailed(string what, Exception e)
        {
            var reason = IsDiskFull(e) ? $"no space left on the device ({e.Message})" : e.Message;
            var complete = CheckpointFolders.List(_args.OutputDir);
            var resume = complete.Count > 0
                ? $"The last complete checkpoint, {complete[^1].Path}, is intact: free some space and resume with resume_from_checkpoint = \"{CheckpointFolders.Latest}\"."
                : "No complete checkpoint was written yet.";
            return new TrainingException($"Could not write {what}: {reason}. {resume}", e);
        }

        // ENOSPC/EDQUOT on Unix (.NET puts the errno in HResult), ERROR_DISK_FULL/ERROR_HANDLE_DISK_FULL on Windows.
        private static bool IsDiskFull(Exception e) =>
            e.HResult is 28 or 122 or unchecked((int)0x80070070) or unchecked((int)0x80070027)
            || e.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase);

        private TrainResult Cancel()
        {
            if (_lastSavedStep != _state.GlobalStep) SaveCheckpoint();
            _callback.OnLog($"training cancelled at step {_state.GlobalStep}; checkpoint saved");
            return new TrainResult
            {
                GlobalStep = _state.GlobalStep, TrainLoss = MeanLoss, RuntimeSeconds = _watch.Elapsed.TotalSeconds,
                Metrics = TrainMetrics(), BestModelCheckpoint = _state.BestModelCheckpoint, BestMetric = _state.BestMetric, Cancelled = true,
            };
        }

        private TrainResult Finish(bool stoppedEarly)
        {
            if (_args.LoadBestModelAtEnd && _state.BestModelCheckpoint is { } best && Directory.Exists(best))
            {
                _task.LoadModelWeights(best);
                _lastEval = null; // other weights now: evaluate again
                _callback.OnLog($"loaded the best model from {best} ({_args.BestMetricKey} = {_state.BestMetric})");
            }
            EnsureFiniteWeights("the trained model");
            var trainMetrics = TrainMetrics();
            _state.LogHistory.Add(new Dictionary<string, double>(trainMetrics) { ["step"] = _state.GlobalStep });

            var evalMetrics = new Dictionary<string, double>();
            if (_lastEval is { } last && last.Step == _state.GlobalStep)
            {
                // The model was just evaluated at this very step (e.g. at the end of the last epoch): same weights, same numbers.
                evalMetrics = last.Metrics;
                ResultFiles.Write(_args.OutputDir, ResultFiles.EvalResults, evalMetrics);
            }
            else if (_task.EvalExampleCount > 0)
            {
                evalMetrics = _trainer.EvaluateAt(_state.Epoch, _ct);
                _state.LogHistory.Add(new Dictionary<string, double>(evalMetrics) { ["step"] = _state.GlobalStep });
                _callback.OnEvaluate(_state.GlobalStep, evalMetrics);
                ResultFiles.Write(_args.OutputDir, ResultFiles.EvalResults, evalMetrics);
            }
            try
            {
                _task.Save(_args.OutputDir);
                _args.Save(_args.OutputDir);
                _trainer._output!.SaveIdentity(_args.OutputDir);
                SyncRunningSums();
                _state.Save(_args.OutputDir);
                ResultFiles.Write(_args.OutputDir, ResultFiles.TrainResults, trainMetrics);
                ResultFiles.Write(_args.OutputDir, ResultFiles.AllResults, trainMetrics.Concat(evalMetrics.Where(p => !trainMetrics.ContainsKey(p.Key))).ToDictionary());
                Checkpoints.DiskSync.FilesIn(_args.OutputDir); // the task's files (config, tokenizer) are not all written atomically
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw WriteFailed($"the trained model into output_dir {_args.OutputDir}", e);
            }
            return new TrainResult
            {
                GlobalStep = _state.GlobalStep, TrainLoss = MeanLoss, RuntimeSeconds = _watch.Elapsed.TotalSeconds,
                Metrics = trainMetrics, EvalMetrics = evalMetrics, BestModelCheckpoint = _state.BestModelCheckpoint,
                BestMetric = _state.BestMetric, StoppedEarly = stoppedEarly,
            };
        }

        private void SyncRunningSums() =>
            (_state.TrainLossSum, _state.LossSinceLastLog, _state.StepsSinceLastLog) = (_totalLoss, _lossSinceLog, _stepsSinceLog);

        private double MeanLoss => _state.GlobalStep == 0 ? 0 : _totalLoss / _state.GlobalStep;

        private Dictionary<string, double> TrainMetrics()
        {
            var seconds = Math.Max(_watch.Elapsed.TotalSeconds, 1e-9);
            // Examples actually processed: every step covers batch · accumulation examples except epoch-final partial groups.
            var samples = Math.Min((long)_state.GlobalStep * _args.PerDeviceTrainBatchSize * _args.GradientAccumulationSteps,
                (long)Math.Ceiling(_state.Epoch * _task.TrainExampleCount));
            return new Dictionary<string, double>
            {
                ["train_runtime"] = seconds,
                ["train_samples_per_second"] = samples / seconds,
                ["train_steps_per_second"] = _state.GlobalStep / seconds,
                ["train_loss"] = MeanLoss,
                ["epoch"] = _state.Epoch,
            };
        }
    }

    private enum StopReason { Completed, EarlyStopped, Cancelled }
}
