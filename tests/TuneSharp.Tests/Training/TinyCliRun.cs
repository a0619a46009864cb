using TuneSharp.Models;
using TuneSharp.Tests.Tasks.TextClassification;
using static TorchSharp.torch;

namespace TuneSharp.Tests.Training;

/// <summary>
/// Files for a small CLI training run in a temp folder: a tiny randomly initialised BERT with its vocab.txt and a
/// synthetic, separable dataset. 96 training examples in batches of 8 = 12 steps an epoch.
/// </summary>
internal sealed class TinyCliRun
{
    public const int StepsPerEpoch = 12;

    private readonly string _model, _train, _dev;

    public TinyCliRun(TempDir tmp)
    {
        _model = TinyTextClassification.BaseModelFolder(tmp.File("base"), initSeed: 3);
        _train = WriteTsv(tmp.File("train.tsv"), TinyTextClassification.Dataset(96, seed: 3));
        _dev = WriteTsv(tmp.File("dev.tsv"), TinyTextClassification.Dataset(16, seed: 4));
    }

    private static string WriteTsv(string path, TuneSharp.Data.TextClassificationDataset data)
    {
        File.WriteAllLines(path, new[] { "sentence\tlabel" }.Concat(data.Examples.Select(e => $"{e.Text}\t{e.Label}")));
        return path;
    }

    /// <summary>
    /// `train` arguments: <paramref name="epochs"/> epochs with dropout, weight decay and warmup on, a checkpoint every
    /// 4 steps and an evaluation every 6; <paramref name="resume"/> adds --resume-from-checkpoint latest.
    /// </summary>
    public string[] TrainArgs(string output, bool resume, int epochs = 2) =>
    [
        "train", "--task", "text-classification", "--model", _model, "--train", _train, "--validation", _dev,
        "--text-column", "sentence", "--label-column", "label", "--output", output, "--learning-rate", "0.003",
        "--num-train-epochs", epochs.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "--per-device-train-batch-size", "8", "--seed", "11", "--max-length", "32",
        "--hidden-dropout-prob", "0.1", "--weight-decay", "0.01", "--warmup-steps", "3",
        "--save-strategy", "steps", "--save-steps", "4", "--eval-strategy", "steps", "--eval-steps", "6",
        .. (resume ? new[] { "--resume-from-checkpoint", "latest" } : []),
    ];
}
