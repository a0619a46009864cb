using TuneSharp.Tasks.CausalLm;
using System.Diagnostics;
using System.Globalization;
using TuneSharp.Inference;
using TuneSharp.Models;
using TuneSharp.Tokenization;

namespace TuneSharp.Bench;

/// <summary>
/// Greedy generation speed of stories260K with and without the KV cache (<see cref="GenerationOptions.UseCache"/>,
/// the CLI's --no-cache), as new tokens per second and their ratio. Stop tokens are switched off so every run makes
/// exactly the requested number of tokens; the two modes must produce the same tokens (greedy is deterministic),
/// which the results record. Threads as the CLI's generate sets them (<see cref="TorchThreads"/>), unless --threads.
/// Repetitions alternate the two modes; warm-up excluded; medians. Options: --new-tokens N (256),
/// --repetitions R (5), --warmup W (1), --prompt TEXT ("Once upon a time"), --threads N.
/// </summary>
internal static class GenerationSpeedBenchmark
{
    public static int Run(string[] args)
    {
        var newTokens = int.Parse(BenchArgs.Option(args, "--new-tokens") ?? "256");
        var repetitions = int.Parse(BenchArgs.Option(args, "--repetitions") ?? "5");
        var warmup = int.Parse(BenchArgs.Option(args, "--warmup") ?? "1");
        var prompt = BenchArgs.Option(args, "--prompt") ?? "Once upon a time";
        if (repetitions < 1 || warmup < 0 || newTokens < 1) throw new TuneSharpException("--repetitions and --new-tokens must be at least 1, --warmup at least 0.");
        var modelDir = Path.Combine(BenchPaths.Shared, "models", "stories260K");

        var tokenizer = TextTokenizer.FromPretrained(modelDir);
        var (model, _) = AutoModelForCausalLM.FromPretrained(modelDir);
        var threads = BenchArgs.Option(args, "--threads") is { } t
            ? SetThreads(int.Parse(t))
            : TorchThreads.ConfigureFor(model.Module.parameters().Sum(p => p.numel()));
        var promptIds = tokenizer.Encode(prompt).InputIds;
        var generator = new TextGenerator(model, tokenizer);
        Console.WriteLine($"stories260K, prompt \"{prompt}\" ({promptIds.Length} tokens), {newTokens} new tokens, {threads} thread(s)");

        int[] Generate(bool useCache) =>
            generator.GenerateIds(promptIds, new GenerationOptions { MaxNewTokens = newTokens, UseCache = useCache, StopTokenIds = [] }).ToArray();

        var seconds = new Dictionary<bool, List<double>> { [true] = [], [false] = [] };
        var outputs = new Dictionary<bool, int[]>();
        for (var rep = 0; rep < warmup + repetitions; rep++)
        {
            foreach (var useCache in new[] { true, false })
            {
                var clock = Stopwatch.StartNew();
                var ids = Generate(useCache);
                var s = clock.Elapsed.TotalSeconds;
                outputs[useCache] = ids;
                if (rep >= warmup) seconds[useCache].Add(s);
                Console.WriteLine(FormattableString.Invariant($"{(rep < warmup ? "warm-up" : $"rep {rep - warmup + 1}")} cache {(useCache ? "on " : "off")}: {s:0.000} s ({ids.Length / s:0.0} tokens/s)"));
            }
        }
        var identical = outputs[true].SequenceEqual(outputs[false]);
        Console.WriteLine($"same tokens with and without the cache: {identical}; text: {tokenizer.Decode(promptIds.Concat(outputs[true].Take(40)))}...");

        double Rate(bool useCache) => outputs[useCache].Length / BenchStats.Median(seconds[useCache]);
        var figures = new Dictionary<string, object>
        {
            ["prompt_tokens"] = promptIds.Length,
            ["new_tokens"] = newTokens,
            ["threads"] = threads,
            ["repetitions"] = repetitions,
            ["tokens_per_s_with_cache"] = Rate(true),
            ["tokens_per_s_without_cache"] = Rate(false),
            ["speedup_cache_over_no_cache"] = Rate(true) / Rate(false),
            ["identical_tokens"] = identical,
        };
        ResultsFile.Write($"generation_speed_{newTokens}", "Greedy generation with and without the KV cache (stories260K)", figures,
            "TextGenerator.GenerateIds with GenerationOptions.UseCache true/false, greedy, no stop tokens; tokens/s counts new tokens " +
            "(the first step processes the prompt in both modes); medians of alternating repetitions after warm-up.");
        model.Module.Dispose();
        return identical ? 0 : 1;
    }

    private static int SetThreads(int threads)
    {
        TorchSharp.torch.set_num_threads(threads);
        return threads;
    }
}
