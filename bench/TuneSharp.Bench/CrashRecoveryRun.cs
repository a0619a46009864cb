using System.Diagnostics;
using System.Globalization;
using System.Text;
using TuneSharp.Architectures.Bert;
using TuneSharp.Models;
using TuneSharp.Recipes;
using TuneSharp.Training;
using static TorchSharp.torch;

namespace TuneSharp.Bench;

/// <summary>
/// The training run the crash benchmarks (kill-resume-soak, out-of-disk) kill and resume: a small randomly
/// initialised BERT (all-MiniLM-L6-v2's vocabulary, 2 layers of width 128, ~50 MB checkpoints with the AdamW state)
/// fine-tuned on the first SST-2 training rows with dropout, warmup, weight decay, periodic evaluation and a
/// checkpoint every <see cref="SaveSteps"/> steps. It runs in a child process (this benchmark program, started with
/// <c>--child</c>) so that it can be SIGKILLed; the child prints "SOAK ..." marker lines the parent follows.
/// </summary>
internal static class CrashRecoveryRun
{
    public const int TrainExamples = 2048, BatchSize = 32, Epochs = 2, SaveSteps = 8;
    public const int TotalSteps = TrainExamples / BatchSize * Epochs;
    public const string ChildFlag = "--child";

    /// <summary>Writes the base model, vocabulary and data subset into <paramref name="work"/>.</summary>
    public static void Prepare(string work)
    {
        var shared = BenchPaths.Shared;
        var miniLm = Path.Combine(shared, "models", "all-MiniLM-L6-v2");
        var model = Path.Combine(work, "model");
        Directory.CreateDirectory(model);
        manual_seed(0);
        using (var bert = new BertModel(new BertConfig
               {
                   VocabSize = 30522, HiddenSize = 128, NumHiddenLayers = 2, NumAttentionHeads = 2, IntermediateSize = 256,
                   MaxPositionEmbeddings = 128, HiddenDropoutProb = 0.1, AttentionProbsDropoutProb = 0.1,
               }))
            bert.SavePretrained(model);
        foreach (var file in new[] { "vocab.txt", "tokenizer_config.json", "special_tokens_map.json" })
            File.Copy(Path.Combine(miniLm, file), Path.Combine(model, file), overwrite: true);
        var sst2 = Path.Combine(shared, "data", "sst2");
        File.WriteAllLines(Path.Combine(work, "train.tsv"), File.ReadLines(Path.Combine(sst2, "train_full.tsv")).Take(TrainExamples + 1));
        File.WriteAllLines(Path.Combine(work, "dev.tsv"), File.ReadLines(Path.Combine(sst2, "dev.tsv")).Take(129));
    }

    /// <summary>The child side: trains (or resumes from the latest checkpoint) into --output.</summary>
    public static int RunChild(string[] args)
    {
        var work = BenchArgs.Option(args, "--work") ?? throw new TuneSharpException("--child needs --work");
        var output = BenchArgs.Option(args, "--output") ?? throw new TuneSharpException("--child needs --output");
        var trainingArgs = new TrainingArguments
        {
            OutputDir = output, LearningRate = 1e-3, NumTrainEpochs = Epochs, PerDeviceTrainBatchSize = BatchSize,
            PerDeviceEvalBatchSize = 64, WarmupSteps = 10, WeightDecay = 0.01, MaxGradNorm = 1.0,
            EvalStrategy = IntervalStrategy.Steps, EvalSteps = 32, SaveStrategy = IntervalStrategy.Steps, SaveSteps = SaveSteps,
            SaveTotalLimit = 2, MaxLength = 64, LoggingSteps = 16, Seed = 42,
            ResumeFromCheckpoint = args.Contains("--resume") ? CheckpointFolders.Latest : null,
        };
        var options = new TextClassificationRunOptions
        {
            ModelDir = Path.Combine(work, "model"), TrainPath = Path.Combine(work, "train.tsv"), ValidationPath = Path.Combine(work, "dev.tsv"),
            TextColumn = "sentence", LabelColumn = "label", Args = trainingArgs,
        };
        TextClassificationFineTuning.Run(options, new MarkerCallback(), line => Console.WriteLine(line));
        Console.WriteLine("SOAK done");
        return 0;
    }

    /// <summary>Marker lines for the parent: when training (after loading and resuming) begins, and each step.</summary>
    private sealed class MarkerCallback : ITrainerCallback
    {
        public void OnTrainBegin(int totalSteps) => Console.WriteLine("SOAK train-begin");
        public void OnStep(int step, double loss, double learningRate, double iterationsPerSecond, TimeSpan eta) =>
            Console.WriteLine(FormattableString.Invariant($"SOAK step {step}"));
        public void OnLog(string message) => Console.WriteLine(message);
    }

    /// <summary>Starts the child training into <paramref name="output"/>.</summary>
    public static Child Start(string work, string output, bool resume)
    {
        var info = BenchChild.StartSelf(["kill-resume-soak", ChildFlag, "--work", work, "--output", output, .. resume ? new[] { "--resume" } : []]);
        info.RedirectStandardError = true;
        info.Environment.Remove(FaultInjection.Variable);
        return new Child(Process.Start(info)!);
    }

    /// <summary>A running child: its output, the last step it reported, when it began training.</summary>
    public sealed class Child : IDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();
        private readonly Stopwatch _clock = Stopwatch.StartNew();

        public Child(Process process)
        {
            _process = process;
            process.OutputDataReceived += (_, e) => Line(e.Data);
            process.ErrorDataReceived += (_, e) => Line(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public int LastStep { get; private set; }
        public TimeSpan? TrainBegan { get; private set; }
        public TimeSpan Elapsed => _clock.Elapsed;
        public bool HasExited => _process.HasExited;

        public string Output
        {
            get { lock (_output) return _output.ToString(); }
        }

        private void Line(string? line)
        {
            if (line is null) return;
            lock (_output) _output.AppendLine(line);
            if (line == "SOAK train-begin") TrainBegan ??= _clock.Elapsed;
            else if (line.StartsWith("SOAK step ", StringComparison.Ordinal)) LastStep = int.Parse(line["SOAK step ".Length..], CultureInfo.InvariantCulture);
        }

        /// <summary>SIGKILL (Process.Kill on Unix), then wait until the process is gone.</summary>
        public void Kill()
        {
            try { _process.Kill(); } catch (InvalidOperationException) { }
            _process.WaitForExit();
        }

        public int Wait(TimeSpan timeout)
        {
            if (!_process.WaitForExit(timeout)) { Kill(); throw new TimeoutException("child run timed out:\n" + Output); }
            _process.WaitForExit();
            return _process.ExitCode;
        }

        public void Dispose()
        {
            if (!_process.HasExited) Kill();
            _process.Dispose();
        }
    }
}
