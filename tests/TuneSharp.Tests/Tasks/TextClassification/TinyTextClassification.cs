using TuneSharp.Architectures.Bert;
using TuneSharp.Data;
using TuneSharp.Models;
using TuneSharp.Tasks.SequenceClassification;
using TuneSharp.Tasks.TextClassification;
using TuneSharp.Tokenization;
using static TorchSharp.torch;

namespace TuneSharp.Tests.Tasks.TextClassification;

/// <summary>
/// A tiny BERT classifier, a tiny WordPiece vocabulary written to a temp folder, and a synthetic, separable
/// sentiment dataset: each text is filler words with "good" (label "pos") or "bad" (label "neg") somewhere in it.
/// </summary>
internal static class TinyTextClassification
{
    public static readonly string[] Fillers = Enumerable.Range(0, 20).Select(i => $"w{i}").ToArray();

    public static readonly string[] Vocab = new[] { "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "good", "bad" }.Concat(Fillers).ToArray();

    public static readonly LabelMap Labels = new(["neg", "pos"]);

    /// <summary>Writes vocab.txt into <paramref name="dir"/> and loads the tokenizer from it (so it knows its files).</summary>
    public static TextTokenizer Tokenizer(string dir)
    {
        File.WriteAllText(Path.Combine(dir, WordPieceTokenizer.VocabFileName), string.Join("\n", Vocab) + "\n");
        return TextTokenizer.FromPretrained(dir);
    }

    /// <summary>
    /// Writes a pretrained-style model folder at <paramref name="dir"/>: a tiny BERT (config.json, model.safetensors)
    /// initialised from <paramref name="initSeed"/>, and vocab.txt. Returns the folder.
    /// </summary>
    public static string BaseModelFolder(string dir, int initSeed = 1)
    {
        Directory.CreateDirectory(dir);
        manual_seed(initSeed);
        using (var bert = new BertModel(Config(dropout: 0.0))) bert.SavePretrained(dir);
        Tokenizer(dir);
        return dir;
    }

    public static BertConfig Config(double dropout) => new()
    {
        VocabSize = Vocab.Length, HiddenSize = 16, NumHiddenLayers = 2, NumAttentionHeads = 2, IntermediateSize = 32,
        MaxPositionEmbeddings = 64, HiddenDropoutProb = dropout, AttentionProbsDropoutProb = dropout,
        Id2Label = new() { [0] = "neg", [1] = "pos" }, Label2Id = new() { ["neg"] = 0, ["pos"] = 1 },
    };

    /// <summary>A freshly initialised classifier; the same <paramref name="initSeed"/> gives the same weights.</summary>
    public static BertForSequenceClassification Model(int initSeed = 0, double dropout = 0.0)
    {
        manual_seed(initSeed);
        return new BertForSequenceClassification(Config(dropout));
    }

    /// <summary>
    /// <paramref name="count"/> examples, alternating labels, each with 1..<paramref name="maxFillers"/> filler words
    /// and the sentiment word at a random position.
    /// </summary>
    public static TextClassificationDataset Dataset(int count, int seed, int maxFillers = 8)
    {
        var random = new Random(seed);
        var examples = new List<TextClassificationExample>();
        for (int i = 0; i < count; i++)
        {
            var positive = i % 2 == 0;
            var words = Enumerable.Range(0, random.Next(1, maxFillers + 1)).Select(_ => Fillers[random.Next(Fillers.Length)]).ToList();
            words.Insert(random.Next(words.Count + 1), positive ? "good" : "bad");
            examples.Add(new TextClassificationExample(string.Join(" ", words), null, positive ? "pos" : "neg", i + 1));
        }
        return new TextClassificationDataset(examples, Labels);
    }

    /// <summary>A task over <paramref name="model"/> with tokenizer files in <paramref name="tokenizerDir"/>.</summary>
    public static TextClassificationTask Task(BertForSequenceClassification model, string tokenizerDir, TextClassificationDataset train, TextClassificationDataset? eval = null) =>
        new(model, Tokenizer(tokenizerDir), train, eval, maxLength: 32, tokenizerDir: tokenizerDir);

    /// <summary>Copies of every parameter, by name.</summary>
    public static Dictionary<string, Tensor> Snapshot(nn.Module module) =>
        module.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());

    /// <summary>Same shape and bit-identical values.</summary>
    public static bool Identical(Tensor a, Tensor b) => Models.GoldenFiles.Identical(a, b);

    public static double MaxAbsDiff(Tensor a, Tensor b) => (a - b).abs().max().item<float>();
}
