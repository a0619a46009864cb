using TuneSharp.Tasks.CausalLm;
using TuneSharp.Architectures.Bert;
using TuneSharp.Architectures.Llama;
using TuneSharp.Models;
using TuneSharp.Tasks.SequenceClassification;
using TuneSharp.Tests.Models;
using static TorchSharp.torch;

namespace TuneSharp.Tests.Tasks.SequenceClassification;

/// <summary>Small random classifiers (no checkpoint needed), built the way the factory builds them.</summary>
internal static class TinyClassifiers
{
    public static readonly Dictionary<int, string> Sentiment = new() { [0] = "negative", [1] = "neutral", [2] = "positive" };

    public static BertForSequenceClassification Bert(SequenceClassificationOptions options, BertConfig? config = null)
    {
        config ??= TinyModels.Bert();
        SequenceClassificationConfig.Apply(config, options);
        var model = new BertForSequenceClassification(config);
        model.eval();
        return model;
    }

    public static LastTokenClassifier Llama(SequenceClassificationOptions options, LlamaConfig? config = null)
    {
        config ??= TinyModels.Llama();
        SequenceClassificationConfig.Apply(config, options);
        var model = new LastTokenClassifier(config);
        model.eval();
        return model;
    }

    /// <summary>A [rows, cols] int64 tensor.</summary>
    public static Tensor Long(long[,] values)
    {
        var rows = values.GetLength(0);
        var cols = values.GetLength(1);
        return tensor(values.Cast<long>().ToArray(), [rows, cols]);
    }

    public static double MaxAbsDiff(Tensor a, Tensor b) => GoldenFiles.MaxAbsDiff(a, b);

    public static bool Identical(Tensor a, Tensor b) => GoldenFiles.Identical(a, b);
}
