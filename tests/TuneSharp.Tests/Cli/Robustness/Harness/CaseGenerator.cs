using System.Globalization;

namespace TuneSharp.Tests.Cli.Robustness;

/// <summary>
/// Builds robustness cases from the CLI's definitions: a valid base invocation per command, then one parameter at a
/// time replaced by a value of each class that fits its kind, plus whole-command cases (no arguments, unknown option,
/// --help). The deterministic default subset and the seeded random sweep come from the same <see cref="Vary"/>.
/// </summary>
public sealed class CaseGenerator
{
    /// <summary>An argument of a base invocation: <c>Flag</c> null is a positional argument, <c>Value</c> null a bare flag.</summary>
    private sealed record Arg(string? Flag, string? Value);

    // Parameters whose value only matters with another setting: without it the CLI refuses them for that reason alone
    // (a LoRA setting under --method full), so the value itself would never be tested. Keyed by the parameter's name.
    private static readonly (string[] Options, Arg[] Set, string[] Remove)[] Companions =
    [
        (["lora-r", "lora-alpha", "lora-dropout", "lora-target-modules", "use-rslora"], [new("--method", "lora")], []),
        (["freeze-layers", "freeze-embeddings", "train-only-head"], [new("--method", "freeze")], []),
        (["adapter-variant", "adapter-reduction-factor", "adapter-non-linearity"], [new("--method", "adapter")], []),
        (["num-virtual-tokens", "prompt-tuning-init"], [new("--method", "prompt-tuning")], []),
        (["prompt-tuning-init-text"], [new("--method", "prompt-tuning"), new("--prompt-tuning-init", "text")], []),
        (["eval-steps"], [new("--eval-strategy", "steps")], []),
        (["save-steps"], [new("--save-strategy", "steps")], []),
        (["label-separator"], [new("--problem-type", "multi_label_classification")], []),
        (["validation-split"], [], ["--validation"]), // used only when no validation file is given
    ];

    // Values that ask a real training run for practically endless work (2^31 epochs): not a hang of the CLI, so these
    // classes are left to `plan`, which must take them without training.
    private static readonly HashSet<string> UnboundedOnTrain = ["num-train-epochs", "max-steps"];

    private readonly RobustnessFixtures _fx;
    private readonly Dictionary<string, List<Arg>> _bases;

    public CaseGenerator(RobustnessFixtures fixtures, IReadOnlyList<CliCommandInfo> commands)
    {
        _fx = fixtures;
        Commands = commands;
        var output = RobustnessCase.CaseFolder + "/out";
        List<Arg> trainBase =
        [
            new("--model", _fx.BaseModel), new("--train", _fx.TrainTsv), new("--validation", _fx.DevTsv), new("--text-column", "sentence"),
            new("--output", output), new("--num-train-epochs", "1"), new("--per-device-train-batch-size", "8"), new("--max-length", "16"),
        ];
        _bases = new()
        {
            ["info"] = [new(null, _fx.BaseModel)],
            ["generate"] = [new("--model", _fx.Llama), new("--prompt", "good w1"), new("--max-new-tokens", "8")],
            ["chat"] = [new("--model", _fx.Llama), new("--chat-template", "chatml"), new("--max-new-tokens", "8")],
            ["train"] = trainBase,
            ["plan"] = trainBase,
            ["evaluate"] = [new("--model", _fx.Classifier), new("--data", _fx.DevTsv), new("--text-column", "sentence")],
            ["predict"] = [new("--model", _fx.Classifier), new("--input", _fx.InputsTxt)],
            ["merge"] = [new("--model", _fx.BaseModel), new("--adapter", _fx.LoraAdapter), new("--output", output)],
        };
    }

    public IReadOnlyList<CliCommandInfo> Commands { get; }

    /// <summary>Commands that have no base invocation yet: a new command must get one here before it can be tested.</summary>
    public IReadOnlyList<string> CommandsWithoutBase => Commands.Where(c => !_bases.ContainsKey(c.Name)).Select(c => c.Name).ToList();

    /// <summary>Cases about whole commands: the bare CLI, an unknown command, and per command its base invocation,
    /// no arguments, --help and an unknown option.</summary>
    public IEnumerable<RobustnessCase> WholeCommandCases()
    {
        yield return new("(root)", "(none)", "no arguments", [], Expectation.Refuse, "no command given");
        yield return new("(root)", "--help", "help", ["--help"], Expectation.Succeed, "");
        yield return new("(root)", "--version", "version", ["--version"], Expectation.Succeed, "");
        yield return new("(root)", "(command)", "unknown command", ["no-such-command"], Expectation.Refuse, "no such command");
        foreach (var command in Commands)
        {
            yield return new(command.Name, "(none)", "no arguments", [command.Name], Expectation.Refuse, "required arguments missing");
            yield return new(command.Name, "--help", "help", [command.Name, "--help"], Expectation.Succeed, "");
            if (!_bases.TryGetValue(command.Name, out var args)) continue;
            yield return new(command.Name, "(base)", "valid base invocation", Render(command.Name, args), Expectation.Succeed, "");
            yield return new(command.Name, "--no-such-option", "unknown option", [.. Render(command.Name, args), "--no-such-option", "1"], Expectation.Refuse, "unknown option");
        }
    }

    /// <summary>Every (parameter, class) pair the generator can make; skipped only: <see cref="UnboundedOnTrain"/>, and
    /// unreadable paths when running as root.</summary>
    public IEnumerable<(CliParameter Parameter, ValueClass Class)> Pairs(bool includeSweepOnly) =>
        from command in Commands
        where _bases.ContainsKey(command.Name)
        from p in command.Parameters
        from c in ValueClasses.For(p)
        where includeSweepOnly || c is not (ValueClass.RandomNumber or ValueClass.ValidChoice)
        where !(p.Command == "train" && UnboundedOnTrain.Contains(p.Bare) && c is ValueClass.HugeInt or ValueClass.HugeLong or ValueClass.HugeNumber)
        where !(c == ValueClass.Unreadable && Environment.IsPrivilegedProcess) // root reads a mode-000 file anyway
        select (p, c);

    /// <summary>
    /// The default test run's cases: the whole-command cases, then for every parameter of every command
    /// <list type="bullet">
    /// <item>its first value class that must be refused (the check that matters most: a bad value is stopped with a
    /// message), or its kind's first class where no class must be refused;</item>
    /// <item>a second class rotating through the rest of its kind's list (input-file extensions rotate the same way),
    /// so each class appears for several options of each command;</item>
    /// <item>for input files and folders, every other class as well: hostile files are where parsers crash.</item>
    /// </list>
    /// train and plan are the exception for the further classes: every value they accept costs a resource plan, which
    /// times this machine's matrix multiply (≈ 6 s of both cores, measured), so there the further classes are only those
    /// that must be refused (fast when refused before planning); the accepted extremes of train and plan are the
    /// sweep's (bench/run cli-fuzz).
    /// </summary>
    public IReadOnlyList<RobustnessCase> DefaultSubset()
    {
        var cases = WholeCommandCases().ToList();
        var pairs = Pairs(includeSweepOnly: false).ToLookup(x => x.Parameter, x => x.Class);
        var seen = new Dictionary<(string, ValueKind), int>();
        foreach (var command in Commands.Where(c => _bases.ContainsKey(c.Name)))
            foreach (var p in command.Parameters)
            {
                var n = seen[(command.Name, p.Kind)] = seen.GetValueOrDefault((command.Name, p.Kind)) + 1;
                var shift = command.Name == "plan" ? 1 : 0; // plan takes the other extension of each class than train
                var candidates = pairs[p].Select((c, i) => Vary(p, c, extensionIndex: n + i + shift, random: null)).ToList();
                if (candidates.Count == 0) continue;
                var first = candidates.FirstOrDefault(c => c.Expect == Expectation.Refuse) ?? candidates[0];
                var rest = candidates.Where(c => c != first && (command.Name is not ("train" or "plan") || c.Expect == Expectation.Refuse)).ToList();
                cases.Add(first);
                if (p.Kind is ValueKind.InputFile or ValueKind.InputFolder) cases.AddRange(rest); // hostile files: all of them
                else if (rest.Count > 0) cases.Add(rest[n % rest.Count]);
            }
        return cases;
    }

    /// <summary>
    /// <paramref name="count"/> distinct cases drawn with <paramref name="seed"/>: half of them a uniformly drawn
    /// (parameter, class) pair, half a pair of a uniformly drawn command (so commands with few options are not drowned
    /// by train's and plan's ~70 each), with random numbers, choices and file extensions; now and then a whole-command case.
    /// </summary>
    public IEnumerable<RobustnessCase> Sweep(int seed, int count)
    {
        var random = new Random(seed);
        var pairs = Pairs(includeSweepOnly: true).ToList();
        var byCommand = pairs.GroupBy(x => x.Parameter.Command).Select(g => g.ToList()).ToList();
        var whole = WholeCommandCases().ToList();
        var seen = new HashSet<string>();
        for (int made = 0, attempts = 0; made < count && attempts < 50 * count; attempts++)
        {
            RobustnessCase c;
            if (random.Next(20) == 0) c = whole[random.Next(whole.Count)];
            else
            {
                var from = random.Next(2) == 0 ? pairs : byCommand[random.Next(byCommand.Count)];
                var (p, cls) = from[random.Next(from.Count)];
                c = Vary(p, cls, extensionIndex: random.Next(16), random);
            }
            if (!seen.Add(string.Join('\0', c.Args))) continue; // the same deterministic case again
            made++;
            yield return c;
        }
    }

    /// <summary>The base invocation of <paramref name="p"/>'s command with its companions and <paramref name="p"/> set to a value of <paramref name="c"/>.</summary>
    public RobustnessCase Vary(CliParameter p, ValueClass c, int extensionIndex, Random? random)
    {
        var args = new List<Arg>(_bases[p.Command]);
        var own = Commands.Single(c => c.Name == p.Command).Parameters;
        foreach (var (options, set, remove) in Companions.Where(x => x.Options.Contains(p.Bare)))
        {
            var applicable = set.Where(s => own.Any(o => o.IsNamed(s.Flag))).ToList(); // evaluate has --label-separator but no --problem-type
            args.RemoveAll(a => remove.Contains(a.Flag) || applicable.Any(s => s.Flag == a.Flag));
            args.AddRange(applicable);
        }
        var baseValue = args.FirstOrDefault(a => p.IsNamed(a.Flag))?.Value;
        var extensions = p.Extensions.Count > 0 ? p.Extensions
            : baseValue is not null && Path.HasExtension(baseValue) ? [Path.GetExtension(baseValue)] : [RobustnessFixtures.DefaultExtension];
        var extension = extensions[extensionIndex % extensions.Count];
        var value = Value(p, c, extension, random);
        var at = args.FindIndex(a => p.IsNamed(a.Flag));
        if (at >= 0) args[at] = new(p.Flag, value);
        else args.Add(new(p.Flag, value));
        var (expect, why) = RefusalRules.For(p, c, value, extension);
        var className = c + (ValueClasses.IsPath(c) && p.Kind == ValueKind.InputFile ? $" ({extension})" : "");
        return new RobustnessCase(p.Command, p.Flag ?? $"<{p.Name}>", className, Render(p.Command, args), expect, why);
    }

    private string Value(CliParameter p, ValueClass c, string extension, Random? random)
    {
        switch (c)
        {
            case ValueClass.RandomNumber:
                return RandomNumber(p, random ?? new Random(0));
            case ValueClass.ValidChoice:
                return p.Choices[(random ?? new Random(0)).Next(p.Choices.Count)];
            case ValueClass.ExistingFile:
                return RobustnessCase.CaseFolder + "/existing-file";
            case ValueClass.ExistingFolder:
                return RobustnessCase.CaseFolder + "/existing-folder";
            case ValueClass.UnderAFile:
                return RobustnessCase.CaseFolder + "/existing-file/inside" + (p.Kind == ValueKind.OutputFile ? ".json" : "");
        }
        if (ValueClasses.Literal(c) is { } literal) return literal;
        return _fx.InputPath(c, p, extension);
    }

    private static string RandomNumber(CliParameter p, Random random)
    {
        var inv = CultureInfo.InvariantCulture;
        var sign = random.Next(4) == 0 ? -1 : 1;
        // Magnitudes spread over orders: mostly small, sometimes large; kept small where a large one means endless work.
        var maxExponent = p.Command == "train" && UnboundedOnTrain.Contains(p.Bare) ? 1 : p.Kind == ValueKind.Number ? 12 : 9;
        var magnitude = Math.Pow(10, random.NextDouble() * maxExponent) - 1;
        return p.Kind == ValueKind.Number
            ? (sign * magnitude * (random.Next(3) == 0 ? 1e-6 : 1)).ToString("R", inv)
            : ((long)(sign * magnitude)).ToString(inv);
    }

    private static string[] Render(string command, IEnumerable<Arg> args) =>
        [command, .. args.SelectMany(a => a.Flag is null ? [a.Value!] : a.Value is null ? new[] { a.Flag } : [a.Flag, a.Value])];
}
