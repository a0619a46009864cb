using System.Globalization;
using TuneSharp.Checkpoints;
using TuneSharp.Training;

namespace TuneSharp.Bench;

/// <summary>
/// kill-resume-soak: the <see cref="CrashRecoveryRun"/> training is SIGKILLed at --kills random instants (seeded by
/// --seed), resumed with resume_from_checkpoint "latest" after each, and run to the end; its final model.safetensors
/// must be byte-identical to an uninterrupted run's (the max abs weight difference is reported either way). Each kill
/// is timed from the moment the resumed child starts training, uniformly within 2.5 checkpoint intervals of the
/// uninterrupted run (so successive kills walk through the whole run); every fifth kill is timed from the process
/// start instead, landing while the child loads and resumes. Results: bench/results/kill_resume_soak.{json,md}.
/// </summary>
internal static class KillResumeSoakBenchmark
{
    public static int Run(string[] args)
    {
        if (args.Contains(CrashRecoveryRun.ChildFlag)) return CrashRecoveryRun.RunChild(args);
        var kills = int.Parse(BenchArgs.Option(args, "--kills") ?? "20", CultureInfo.InvariantCulture);
        var seed = int.Parse(BenchArgs.Option(args, "--seed") ?? "1", CultureInfo.InvariantCulture);
        var work = Directory.CreateTempSubdirectory("tunesharp-soak-").FullName;
        try
        {
            return Soak(work, kills, seed);
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }

    private sealed record Kill(int Index, double AtSeconds, string TimedFrom, int StepReached, int ResumedFromStep, bool DuringCheckpointWrite, bool DuringFinalWrite, bool Finished);

    private static int Soak(string work, int killCount, int seed)
    {
        CrashRecoveryRun.Prepare(work);
        var timeout = TimeSpan.FromMinutes(10);

        // The uninterrupted reference, timed to scale the kill instants.
        var reference = Path.Combine(work, "reference");
        Console.WriteLine("uninterrupted run...");
        TimeSpan referenceTraining, referenceStartup, referenceTotal;
        using (var child = CrashRecoveryRun.Start(work, reference, resume: false))
        {
            if (child.Wait(timeout) != 0) throw new InvalidOperationException("the uninterrupted run failed:\n" + child.Output);
            referenceTotal = child.Elapsed;
            referenceStartup = child.TrainBegan ?? TimeSpan.Zero;
            referenceTraining = referenceTotal - referenceStartup;
        }
        var interval = referenceTraining.TotalSeconds * CrashRecoveryRun.SaveSteps / CrashRecoveryRun.TotalSteps;
        Console.WriteLine(FormattableString.Invariant($"reference: {referenceTotal.TotalSeconds:0.0} s ({referenceStartup.TotalSeconds:0.0} s start-up), checkpoint interval {interval:0.00} s"));

        var output = Path.Combine(work, "killed");
        var random = new Random(seed);
        var log = new List<Kill>();
        var resumes = 0;
        for (int i = 0; i < killCount; i++)
        {
            var resume = Directory.Exists(output) && CheckpointFolders.List(output).Count > 0;
            var resumedFrom = resume ? CheckpointFolders.List(output)[^1].Step : 0;
            var fromStart = i % 5 == 4;
            var delay = fromStart ? random.NextDouble() * referenceStartup.TotalSeconds : random.NextDouble() * 2.5 * interval;
            if (resume) resumes++;
            using var child = CrashRecoveryRun.Start(work, output, resume);
            while (!child.HasExited)
            {
                var origin = fromStart ? TimeSpan.Zero : child.TrainBegan;
                if (origin is { } o && (child.Elapsed - o).TotalSeconds >= delay) break;
                Thread.Sleep(1);
            }
            var finished = child.HasExited;
            if (!finished) child.Kill();
            else if (child.Wait(timeout) != 0) throw new InvalidOperationException($"run {i} failed:\n" + child.Output);
            var duringCheckpoint = Directory.Exists(output) && Directory.EnumerateDirectories(output, ".tmp-checkpoint-*").Any();
            var duringFinal = Directory.Exists(output) && Directory.EnumerateFiles(output, ".*.tmp").Any();
            var kill = new Kill(i + 1, Math.Round(delay, 3), fromStart ? "process start" : "training start", child.LastStep, resumedFrom, duringCheckpoint, duringFinal, finished);
            log.Add(kill);
            Console.WriteLine(kill);
            if (finished) break;
        }

        // Resume to the end.
        using (var last = CrashRecoveryRun.Start(work, output, resume: true))
        {
            if (last.Wait(timeout) != 0) throw new InvalidOperationException("the final resume failed:\n" + last.Output);
            resumes++;
        }

        var referenceModel = Path.Combine(reference, ModelWeights.SingleFileName);
        var killedModel = Path.Combine(output, ModelWeights.SingleFileName);
        var bitwise = File.ReadAllBytes(referenceModel).AsSpan().SequenceEqual(File.ReadAllBytes(killedModel));
        var maxDiff = MaxAbsDiff(referenceModel, killedModel);
        var leftovers = Directory.EnumerateDirectories(output, ".tmp-*").Count() + Directory.EnumerateFiles(output, ".*.tmp").Count();

        var figures = new Dictionary<string, object>
        {
            ["kills"] = log.Count(k => !k.Finished),
            ["kills_during_checkpoint_write"] = log.Count(k => k.DuringCheckpointWrite),
            ["kills_during_final_model_write"] = log.Count(k => k.DuringFinalWrite),
            ["kills_during_startup_or_resume"] = log.Count(k => !k.Finished && k.TimedFrom == "process start"),
            ["resumes"] = resumes,
            ["total_steps"] = CrashRecoveryRun.TotalSteps,
            ["final_weights_bitwise_equal"] = bitwise,
            ["max_abs_weight_diff"] = maxDiff,
            ["leftover_temporaries_after_final_run"] = leftovers,
            ["reference_run_s"] = Math.Round(referenceTotal.TotalSeconds, 2),
            ["seed"] = seed,
            ["kill_log"] = log.Select(k => new Dictionary<string, object>
            {
                ["kill"] = k.Index, ["at_seconds"] = k.AtSeconds, ["timed_from"] = k.TimedFrom, ["step_reached"] = k.StepReached,
                ["resumed_from_step"] = k.ResumedFromStep, ["during_checkpoint_write"] = k.DuringCheckpointWrite,
                ["during_final_model_write"] = k.DuringFinalWrite, ["finished_before_kill"] = k.Finished,
            }).ToList(),
        };
        ResultsFile.Write("kill_resume_soak", "Kill/resume soak: SIGKILL at random instants, resume from the latest checkpoint", figures,
            $"Run: randomly initialised BERT (vocab 30522, 2 layers, width 128), {CrashRecoveryRun.TrainExamples} SST-2 rows, batch {CrashRecoveryRun.BatchSize}, " +
            $"{CrashRecoveryRun.Epochs} epochs = {CrashRecoveryRun.TotalSteps} steps, a checkpoint every {CrashRecoveryRun.SaveSteps} steps (save_total_limit 2), dropout 0.1. " +
            "A kill counts as during a checkpoint write when a .tmp-checkpoint-N folder was left behind. " +
            "Kill log: at (s) after the named origin, step reached = last step the child reported, resumed from = latest checkpoint it started from.\n\n" +
            KillTable(log));
        return bitwise && leftovers == 0 ? 0 : 1;
    }

    private static string KillTable(List<Kill> log) =>
        "| kill | at (s) | from | resumed from step | step reached | during checkpoint write | during final write | finished first |\n|---|---|---|---|---|---|---|---|\n" +
        string.Concat(log.Select(k => FormattableString.Invariant(
            $"| {k.Index} | {k.AtSeconds:0.000} | {k.TimedFrom} | {k.ResumedFromStep} | {k.StepReached} | {k.DuringCheckpointWrite} | {k.DuringFinalWrite} | {k.Finished} |\n")));

    private static double MaxAbsDiff(string a, string b)
    {
        using var scope = TorchSharp.torch.NewDisposeScope();
        var x = SafeTensors.Load(a);
        var y = SafeTensors.Load(b);
        try
        {
            if (!x.Keys.Order().SequenceEqual(y.Keys.Order())) return double.PositiveInfinity;
            return x.Keys.Select(k => (double)(x[k] - y[k]).abs().max().item<float>()).DefaultIfEmpty(0).Max();
        }
        finally
        {
            foreach (var t in x.Values.Concat(y.Values)) t.Dispose();
        }
    }
}
