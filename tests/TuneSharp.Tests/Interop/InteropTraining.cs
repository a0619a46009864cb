using TuneSharp.Peft;
using TuneSharp.Recipes;
using TuneSharp.Tests.Tasks.TextClassification;
using TuneSharp.Training;

namespace TuneSharp.Tests.Interop;

/// <summary>
/// Short real training runs through the library's recipe (what <c>tunesharp train</c> runs), so the folders the interop
/// tests hand to Python are exactly what a user gets: a tiny random BERT on the synthetic good/bad task, the real
/// stories260K Llama on happy/sad sentences, and the real all-MiniLM-L6-v2 on a few SST-2 rows. Each takes seconds.
/// </summary>
internal static class InteropTraining
{
    /// <summary>Trains the tiny BERT of <see cref="TinyTextClassification"/> (its base folder is written to dir/base) into dir/out.</summary>
    public static string TinyBert(TempDir dir, PeftOptions method, double learningRate)
    {
        var baseModel = TinyTextClassification.BaseModelFolder(dir.File("base"), initSeed: 3);
        var train = dir.File("train.tsv");
        File.WriteAllLines(train, ["text\tlabel", .. TinyTextClassification.Dataset(96, seed: 5).Examples.Select(e => $"{e.Text}\t{e.Label}")]);
        return Train(baseModel, train, dir.File("out"), method, learningRate, epochs: 2);
    }

    /// <summary>
    /// Trains one of transformers' tiny random base models of the golden fixtures (<c>Architectures/Fixtures</c>, with its
    /// family's tokenizer; copied to dir/base) on the synthetic good/bad task into dir/out: family "roberta" (shape
    /// "roberta"), "distilbert" (shape "gelu"), "electra" (shape "projected"), "deberta-v2" (shape "v3"), "llama" (shape
    /// "llama-gqa"), "gpt_neox" (shape "pythia") or "gpt2" (shape "gpt2-tied-odd-heads", Conv1D weights as GPT-2 base models
    /// come); a decoder's base is its causal LM (causal/), as a Pythia or GPT-2 checkpoint is.
    /// </summary>
    public static string TinyFixture(TempDir dir, string family, PeftOptions method, double learningRate, string? shape = null)
    {
        var baseModel = FixtureBase(dir.File("base"), family, shape);
        var train = dir.File("train.tsv");
        File.WriteAllLines(train, ["text\tlabel", .. TinyTextClassification.Dataset(96, seed: 5).Examples.Select(e => $"{e.Text}\t{e.Label}")]);
        return Train(baseModel, train, dir.File("out"), method, learningRate, epochs: 2);
    }

    /// <summary>
    /// Copies a fixture family's base model (an encoder's base/, a decoder's causal/) of <paramref name="shape"/> (default:
    /// the family's first) and the family's tokenizer into <paramref name="folder"/>.
    /// </summary>
    public static string FixtureBase(string folder, string family, string? shape = null)
    {
        var fixtures = Path.Combine(AppContext.BaseDirectory, "Architectures", "Fixtures", family);
        shape ??= family switch { "distilbert" => "gelu", "electra" => "projected", "deberta-v2" => "v3", "llama" => "llama-gqa", "gpt_neox" => "pythia", "gpt2" => "gpt2-tied-odd-heads", _ => family };
        var model = Path.Combine(fixtures, shape, "base");
        if (!Directory.Exists(model)) model = Path.Combine(fixtures, shape, "causal");
        Directory.CreateDirectory(folder);
        foreach (var file in Directory.EnumerateFiles(model).Concat(Directory.EnumerateFiles(Path.Combine(fixtures, "tokenizer"))))
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        return folder;
    }

    /// <summary>Trains a classifier on the real stories260K Llama (skips without ../shared) into dir/out.</summary>
    public static string Stories(TempDir dir, PeftOptions method, double learningRate)
    {
        var baseModel = SharedData.RequireModel("stories260K");
        var train = dir.File("train.tsv");
        File.WriteAllLines(train, ["text\tlabel", .. StoryRows(96, seed: 2)]);
        return Train(baseModel, train, dir.File("out"), method, learningRate, epochs: 2);
    }

    /// <summary>A few steps of the real all-MiniLM-L6-v2 on the first SST-2 rows (skips without ../shared) into dir/out.</summary>
    public static string MiniLm(TempDir dir, PeftOptions method, double learningRate)
    {
        var baseModel = SharedData.RequireModel("all-MiniLM-L6-v2");
        var sst2 = SharedData.RequireData(Path.Combine("sst2", "train_full.tsv"));
        var train = dir.File("train.tsv");
        File.WriteAllLines(train, File.ReadLines(sst2).Take(1 + 48));
        return Train(baseModel, train, dir.File("out"), method, learningRate, epochs: 1, textColumn: "sentence");
    }

    private static string Train(string baseModel, string train, string output, PeftOptions method, double learningRate, int epochs,
        string textColumn = "text")
    {
        TextClassificationFineTuning.Run(new TextClassificationRunOptions
        {
            ModelDir = baseModel, TrainPath = train, TextColumn = textColumn, Peft = method,
            Args = new TrainingArguments
            {
                OutputDir = output, LearningRate = learningRate, NumTrainEpochs = epochs, PerDeviceTrainBatchSize = 16,
                MaxLength = 32, Seed = 7, SaveStrategy = IntervalStrategy.No, LoggingSteps = 1000,
            },
        }, new NullTrainerCallback(), _ => { });
        return output;
    }

    /// <summary>Short story-like sentences: "happy" phrases → pos, "sad" phrases → neg, alternating.</summary>
    private static IEnumerable<string> StoryRows(int count, int seed)
    {
        string[] subjects = ["The cat", "The little girl", "Tom", "The dog", "Lily", "The bird"];
        string[] happy = ["was very happy", "smiled and laughed", "loved the sunny day"];
        string[] sad = ["was very sad", "cried and cried", "was scared of the dark"];
        var random = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            var positive = i % 2 == 0;
            yield return $"{subjects[random.Next(subjects.Length)]} {(positive ? happy : sad)[random.Next(3)]}.\t{(positive ? "pos" : "neg")}";
        }
    }
}
