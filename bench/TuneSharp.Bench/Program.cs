using TuneSharp.Bench;

// Benchmarks write bench/results/<name>.json and <name>.md. They read ../shared and stop with a clear
// message when it is absent. Usage: bench/run <name> [options]; bench/run suite runs the speed-and-memory benchmarks and
// writes one summary against the targets.
var benchmarks = new Dictionary<string, Func<string[], int>>
{
    ["sst2-finetune"] = Sst2FineTuneBenchmark.Run,
    ["ner-finetune"] = NerFineTuneBenchmark.Run,
    ["squad-finetune"] = SquadFineTuneBenchmark.Run,
    ["architecture-speed"] = ArchitectureSpeedBenchmark.Run,
    ["long-text-classification"] = LongTextClassificationBenchmark.Run,
    ["training-throughput"] = TrainingThroughputBenchmark.Run,
    ["kill-resume-soak"] = KillResumeSoakBenchmark.Run,
    ["out-of-disk"] = OutOfDiskBenchmark.Run,
    ["peft-comparison"] = PeftComparisonBenchmark.Run,
    ["gradient-checkpointing"] = GradientCheckpointingBenchmark.Run,
    ["predict-vs-onnx"] = PredictVsOnnxBenchmark.Run,
    ["generation-speed"] = GenerationSpeedBenchmark.Run,
    ["naive-baseline"] = NaiveBaselineBenchmark.Run,
    ["leak-check"] = LeakCheckBenchmark.Run,
    ["plan-accuracy"] = PlanAccuracyBenchmark.Run,
    ["cli-fuzz"] = CliFuzzBenchmark.Run,
    ["causal-lm-finetune"] = CausalLmFineTuneBenchmark.Run,
    ["suite"] = SpeedSuiteBenchmark.Run,
};
if (args.Length == 0 || !benchmarks.TryGetValue(args[0], out var run))
{
    Console.Error.WriteLine($"usage: TuneSharp.Bench <{string.Join("|", benchmarks.Keys)}> [options]");
    return 2;
}
try
{
    return run(args[1..]);
}
catch (TuneSharp.TuneSharpException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}
