using TuneSharp.Tasks.CausalLm;
using System.Collections.Concurrent;
using System.Text;
using TuneSharp.Architectures.Bert;
using TuneSharp.Architectures.Llama;
using TuneSharp.Cli;
using TuneSharp.Models;
using static TorchSharp.torch;

namespace TuneSharp.Tests.Cli.Robustness;

/// <summary>
/// The files every robustness case starts from, made once per run in a temporary folder: a tiny random BERT base model
/// with its WordPiece vocabulary, a classifier and a LoRA adapter trained from it with the CLI itself, a tiny random
/// Llama for <c>generate</c>, small TSV/text data, and hostile files and folders (made on first use). Self-contained
/// (no ../shared, no test-project helpers) so the benchmark program can build the same fixtures.
/// </summary>
public sealed class RobustnessFixtures : IDisposable
{
    /// <summary>Extensions a hostile input file is written with when the option's description names none.</summary>
    public const string DefaultExtension = ".txt";

    private static readonly string[] Words = ["good", "bad", .. Enumerable.Range(0, 12).Select(i => $"w{i}")];
    private static readonly string[] Vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", .. Words];

    private readonly ConcurrentDictionary<string, string> _made = new();
    private readonly object _makeLock = new();

    public string Root { get; }
    /// <summary>A pretrained-style encoder folder (config.json, model.safetensors, vocab.txt); 64 positions.</summary>
    public string BaseModel { get; }
    /// <summary>A fine-tuned classifier folder (id2label neg/pos) written by <c>train</c>.</summary>
    public string Classifier { get; }
    /// <summary>A LoRA adapter folder written by <c>train --method lora</c> on <see cref="BaseModel"/>.</summary>
    public string LoraAdapter { get; }
    /// <summary>A tiny random causal Llama (64 positions) with a WordPiece vocabulary.</summary>
    public string Llama { get; }
    public string TrainTsv { get; }
    public string DevTsv { get; }
    /// <summary>Three texts, one a line, for <c>predict</c>.</summary>
    public string InputsTxt { get; }
    /// <summary>Where the children run and where per-case folders go.</summary>
    public string Cases { get; }

    /// <summary>Makes the fixtures; <paramref name="log"/> receives a line per step (they take a few seconds).</summary>
    public RobustnessFixtures(Action<string>? log = null)
    {
        Root = Directory.CreateTempSubdirectory("tunesharp-robustness-").FullName;
        Cases = Directory.CreateDirectory(Path.Combine(Root, "cases")).FullName;
        var data = Directory.CreateDirectory(Path.Combine(Root, "data")).FullName;
        TrainTsv = WriteRows(Path.Combine(data, "train.tsv"), 24, seed: 1);
        DevTsv = WriteRows(Path.Combine(data, "dev.tsv"), 8, seed: 2);
        InputsTxt = Path.Combine(data, "inputs.txt");
        File.WriteAllLines(InputsTxt, ["w1 good w2", "bad w3", "w4"]);

        BaseModel = Path.Combine(Root, "base");
        WriteBert(BaseModel);
        Llama = Path.Combine(Root, "llama");
        WriteLlama(Llama);

        log?.Invoke("robustness fixtures: training the classifier and the LoRA adapter");
        Classifier = Path.Combine(Root, "classifier");
        Train(Classifier);
        LoraAdapter = Path.Combine(Root, "lora");
        Train(LoraAdapter, "--method", "lora", "--lora-r", "2");
    }

    private static string WriteRows(string path, int count, int seed)
    {
        var random = new Random(seed);
        var rows = Enumerable.Range(0, count).Select(i =>
        {
            var words = Enumerable.Range(0, random.Next(1, 5)).Select(_ => Words[2 + random.Next(Words.Length - 2)]).ToList();
            words.Insert(random.Next(words.Count + 1), i % 2 == 0 ? "good" : "bad");
            return $"{string.Join(' ', words)}\t{(i % 2 == 0 ? "pos" : "neg")}";
        });
        File.WriteAllLines(path, ["sentence\tlabel", .. rows]);
        return path;
    }

    private static void WriteVocab(string dir) => File.WriteAllText(Path.Combine(dir, "vocab.txt"), string.Join("\n", Vocab) + "\n");

    private static void WriteBert(string dir)
    {
        Directory.CreateDirectory(dir);
        manual_seed(1);
        using (var bert = new BertModel(new BertConfig
               {
                   VocabSize = Vocab.Length, HiddenSize = 16, NumHiddenLayers = 2, NumAttentionHeads = 2, IntermediateSize = 32,
                   MaxPositionEmbeddings = 64, HiddenDropoutProb = 0, AttentionProbsDropoutProb = 0,
               }))
            bert.SavePretrained(dir);
        WriteVocab(dir);
    }

    private static void WriteLlama(string dir)
    {
        Directory.CreateDirectory(dir);
        manual_seed(2);
        using (var llama = new CausalLanguageModel(new LlamaConfig
               {
                   VocabSize = Vocab.Length, HiddenSize = 16, IntermediateSize = 24, NumHiddenLayers = 2, NumAttentionHeads = 4,
                   NumKeyValueHeads = 2, MaxPositionEmbeddings = 64, TieWordEmbeddings = true,
               }))
            llama.SavePretrained(dir);
        WriteVocab(dir);
    }

    /// <summary>One epoch of 3 steps through the CLI in this process (the fixtures' own run must work, or nothing else can).</summary>
    private void Train(string output, params string[] extra)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = CliApp.Run(["train", "--model", BaseModel, "--train", TrainTsv, "--validation", DevTsv, "--text-column", "sentence",
            "--output", output, "--num-train-epochs", "1", "--per-device-train-batch-size", "8", "--max-length", "16",
            "--save-strategy", "no", "--eval-strategy", "no", .. extra], stdout, stderr);
        if (code != 0) throw new InvalidOperationException($"fixture training into {output} failed (exit {code}):\n{stderr}\n{stdout}");
    }

    /// <summary>The file or folder of a path class for an input parameter (made on first use, then shared read-only).</summary>
    public string InputPath(ValueClass c, CliParameter p, string extension) => c switch
    {
        ValueClass.MissingPath => Path.Combine(Root, "missing", "nothing-here" + (p.Kind == ValueKind.InputFile ? extension : "")),
        ValueClass.FolderForFile => Made("a-folder", dir => { Directory.CreateDirectory(dir); File.WriteAllText(Path.Combine(dir, "note.txt"), "not a data file\n"); }),
        ValueClass.FileForFolder => Made("a-file.txt", path => File.WriteAllText(path, "a file, not a folder\n")),
        ValueClass.EmptyFolder => Made("empty-folder", dir => Directory.CreateDirectory(dir)),
        ValueClass.UnrelatedFolder => Made("unrelated-folder", dir => { Directory.CreateDirectory(dir); File.Copy(TrainTsv, Path.Combine(dir, "train.tsv")); }),
        ValueClass.BrokenConfigFolder => BrokenFolder(p.Folder, truncateConfig: true),
        ValueClass.GarbageWeightsFolder => BrokenFolder(p.Folder, truncateConfig: false),
        ValueClass.Unreadable when p.Kind == ValueKind.InputFolder =>
            Made($"unreadable-{p.Folder}", dir => CopyUnreadable(p.Folder == FolderKind.Adapter ? LoraAdapter : BaseModel, dir)),
        ValueClass.Unreadable => Made("unreadable" + extension, path =>
        {
            File.Copy(extension == ".txt" ? InputsTxt : TrainTsv, path);
            File.SetUnixFileMode(path, UnixFileMode.None);
        }),
        ValueClass.WrongShapeFile when p.Bare == "config" => Made(c + "-config" + extension, path => File.WriteAllText(path, extension == ".json"
            ? "{\"learning_rate\": {\"nested\": [1, 2]}, \"seed\": 1e400, \"max_length\": [], \"eval_strategy\": 3}"
            : "learning_rate: [1, 2]\nseed: 1e400\nmax_length: !!binary AAAA\nnum_train_epochs: &n {a: 1}\nwarmup_steps: *n\n")),
        _ => Made(c + extension, path => File.WriteAllBytes(path, HostileContent(c, extension))),
    };

    /// <summary>
    /// A copy of the base model (or of the LoRA adapter) whose config is cut in the middle of its JSON, or whose
    /// weights are random bytes.
    /// </summary>
    private string BrokenFolder(FolderKind kind, bool truncateConfig)
    {
        var adapter = kind == FolderKind.Adapter;
        var name = $"{(adapter ? "adapter" : "model")}-{(truncateConfig ? "broken-config" : "garbage-weights")}";
        return Made(name, dir =>
        {
            Directory.CreateDirectory(dir);
            var source = adapter ? LoraAdapter : BaseModel;
            foreach (var file in Directory.GetFiles(source)) File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
            var config = Path.Combine(dir, adapter ? "adapter_config.json" : "config.json");
            var weights = Path.Combine(dir, adapter ? "adapter_model.safetensors" : "model.safetensors");
            if (truncateConfig) File.WriteAllText(config, File.ReadAllText(config)[..(int)(new FileInfo(config).Length / 2)]);
            else File.WriteAllBytes(weights, Garbage(4096, seed: 7));
        });
    }

    /// <summary>A copy of <paramref name="source"/> whose files and the folder itself this user may not read (mode 000).</summary>
    private static void CopyUnreadable(string source, string dir)
    {
        Directory.CreateDirectory(dir);
        foreach (var file in Directory.GetFiles(source))
        {
            var copy = Path.Combine(dir, Path.GetFileName(file));
            File.Copy(file, copy);
            File.SetUnixFileMode(copy, UnixFileMode.None);
        }
        File.SetUnixFileMode(dir, UnixFileMode.None);
    }

    /// <summary>The bytes of a hostile input file, shaped for its extension where a shape matters (a JSON line, a TSV row).</summary>
    private static byte[] HostileContent(ValueClass c, string extension)
    {
        var jsonish = extension is ".json" or ".jsonl" or ".yaml" or ".yml";
        switch (c)
        {
            case ValueClass.EmptyFile:
                return [];
            case ValueClass.GarbageFile:
                return Garbage(4096, seed: 5);
            case ValueClass.InvalidUtf8File:
                var head = Encoding.UTF8.GetBytes(jsonish ? "{\"sentence\": \"good " : "sentence\tlabel\ngood ");
                var tail = Encoding.UTF8.GetBytes(jsonish ? " w1\", \"label\": \"pos\"}\n" : " w1\tpos\n");
                return [.. head, 0xC3, 0x28, 0xFF, 0xFE, 0xED, 0xA0, 0x80, .. tail];
            case ValueClass.HugeLineFile: // one 5 MB line
                var text = string.Concat(Enumerable.Repeat("good w1 ", 5 * 1024 * 1024 / 8));
                return Encoding.UTF8.GetBytes(jsonish ? $"{{\"sentence\": \"{text}\", \"label\": \"pos\"}}\n" : $"sentence\tlabel\n{text}\tpos\n");
            case ValueClass.TruncatedJsonFile:
                return Encoding.UTF8.GetBytes("{\"sentence\": \"good w1\", \"label\": \"po");
            case ValueClass.WrongShapeFile: // data rows whose cells are objects, lists, null, a bool
                const string rows = "{\"sentence\": {\"nested\": 1}, \"label\": [1, 2]}\n{\"sentence\": null, \"label\": true}\n";
                return Encoding.UTF8.GetBytes(extension == ".json" ? "[" + rows.Trim().Replace("\n", ", ") + "]" : jsonish ? rows : "sentence\tlabel\n\"unterminated\tpos\n\t\t\t\n");
            case ValueClass.DeepNestingFile:
                return Encoding.UTF8.GetBytes(new string('[', 100_000) + new string(']', 100_000) + "\n");
            default:
                throw new ArgumentOutOfRangeException(nameof(c), c, "not a hostile file class");
        }
    }

    private static byte[] Garbage(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private string Made(string name, Action<string> make)
    {
        var path = Path.Combine(Root, "hostile", name);
        if (_made.TryGetValue(path, out var done)) return done;
        lock (_makeLock)
        {
            if (_made.TryGetValue(path, out done)) return done;
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            make(path);
            return _made[path] = path;
        }
    }

    public void Dispose()
    {
        try
        {
            // The unreadable folders must be listable again to be deleted.
            foreach (var dir in _made.Values.Where(Directory.Exists)) File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
