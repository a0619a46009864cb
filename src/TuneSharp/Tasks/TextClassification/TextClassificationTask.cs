using TuneSharp.Data;
using TuneSharp.Evaluation;
using TuneSharp.Tasks.SequenceClassification;
using TuneSharp.Tokenization;
using TuneSharp.Training;
using static TorchSharp.torch;

namespace TuneSharp.Tasks.TextClassification;

/// <summary>
/// Single-label text (or text-pair) classification for the <see cref="Trainer"/>: tokenizes every example once
/// (truncated, unpadded), pads each batch to its longest example, computes cross entropy (with label smoothing) and
/// evaluates accuracy / precision / recall / F1 plus eval_loss.
/// </summary>
public sealed class TextClassificationTask : ITrainingTask
{
    private readonly ISequenceClassifier _model;
    private readonly TextTokenizer _tokenizer;
    private readonly string? _tokenizerDir;
    private readonly LabelMap _labels;
    private readonly TokenizedTexts _train;
    private readonly long[] _trainLabels;
    private readonly TokenizedTexts? _eval;
    private readonly int[] _evalLabels;

    /// <param name="model">A single-label classifier with one output per label of <paramref name="train"/>.</param>
    /// <param name="tokenizer">The model's tokenizer (it must have a pad token).</param>
    /// <param name="train">Training examples; their label map defines the class ids.</param>
    /// <param name="eval">Evaluation examples (labels looked up in the training label map), or null.</param>
    /// <param name="maxLength">Truncation length in tokens.</param>
    /// <param name="tokenizerDir">Folder the tokenizer was loaded from; its files are copied into saved models.</param>
    /// <exception cref="TuneSharpException">The model does not fit the labels, or an evaluation label is unknown.</exception>
    public TextClassificationTask(ISequenceClassifier model, TextTokenizer tokenizer, TextClassificationDataset train,
        TextClassificationDataset? eval = null, int maxLength = 128, string? tokenizerDir = null)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));
        ArgumentNullException.ThrowIfNull(train);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 1);
        if (model.ProblemType != ProblemType.SingleLabelClassification)
            throw new SequenceClassificationException(
                $"Text classification trains single-label classifiers, but the model's problem_type is \"{model.ProblemType.ToHfString()}\".");
        _labels = train.Labels;
        if (model.NumLabels != _labels.Count)
            throw new SequenceClassificationException(
                $"The model has {model.NumLabels} outputs but the training data has {_labels.Count} labels ({_labels.Describe()}); build the head with NumLabels = {_labels.Count}.");
        _tokenizerDir = tokenizerDir;

        _train = Tokenize(train, maxLength);
        _trainLabels = train.Examples.Select(e => (long)_labels.Id(e.Label)).ToArray();
        _eval = eval is null || eval.Count == 0 ? null : Tokenize(eval, maxLength);
        _evalLabels = eval?.Examples.Select(e => _labels.TryGetId(e.Label, out var id) ? id
            : throw new TuneSharpException($"Evaluation example at line {e.Line} has label '{e.Label}', which the training data does not have ({_labels.Describe()}).")).ToArray() ?? [];
    }

    /// <summary>The classifier being trained.</summary>
    public ISequenceClassifier Classifier => _model;

    public nn.Module Model => _model.Module;
    public int TrainExampleCount => _train.Count;
    public int EvalExampleCount => _eval?.Count ?? 0;

    /// <summary>Token count of each training example (after truncation, with special tokens).</summary>
    public IReadOnlyList<int> TrainLengths => _train.Lengths;

    public IReadOnlyList<int[]> TrainBatches(int epoch, int batchSize, int seed, bool groupByLength) =>
        BatchSampler.Batches(_train.Count, batchSize, seed, epoch, groupByLength, _train.Lengths);

    public BatchLoss ComputeLoss(int[] batch, double labelSmoothing)
    {
        var (ids, mask, types) = _train.Batch(batch);
        var labels = tensor(batch.Select(i => _trainLabels[i]).ToArray(), ScalarType.Int64);
        var logits = _model.Forward(ids, mask, types);
        // The loss is a mean over the batch; times the batch size it is the sum the trainer accumulates.
        var mean = SequenceClassificationLoss.Compute(logits, labels, _model.ProblemType, labelSmoothing);
        return new BatchLoss(mean * batch.Length, batch.Length);
    }

    public Dictionary<string, double> Evaluate(int batchSize, double labelSmoothing, CancellationToken ct)
    {
        if (_eval is null) throw new TrainingException("This text-classification task has no evaluation examples.");
        var predictions = new int[_eval.Count];
        double lossSum = 0;
        foreach (var batch in _eval.ByDecreasingLength().Chunk(batchSize))
        {
            ct.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var (ids, mask, types) = _eval.Batch(batch);
            var labels = tensor(batch.Select(i => (long)_evalLabels[i]).ToArray(), ScalarType.Int64);
            var logits = _model.Forward(ids, mask, types);
            lossSum += SequenceClassificationLoss.Compute(logits, labels, _model.ProblemType, labelSmoothing).item<float>() * (double)batch.Length;
            // Only the argmax leaves the device, batch by batch.
            var argmax = logits.argmax(1).cpu().data<long>().ToArray();
            for (int k = 0; k < batch.Length; k++) predictions[batch[k]] = (int)argmax[k];
        }
        var metrics = ClassificationMetrics.Compute(predictions, _evalLabels, _labels.Count, _labels.Id2Label).ToDictionary("eval_");
        metrics["eval_loss"] = lossSum / _eval.Count;
        return metrics;
    }

    public void Save(string dir)
    {
        Directory.CreateDirectory(dir);
        _model.SavePretrained(dir);
        if (_tokenizerDir is not null) TokenizerFiles.Copy(_tokenizer, _tokenizerDir, dir);
    }

    public void LoadModelWeights(string dir) => ModuleWeights.LoadInto(_model.Module, dir);

    private TokenizedTexts Tokenize(TextClassificationDataset data, int maxLength) =>
        new(_tokenizer, data.Examples.Select(e => e.Text).ToList(), data.HasTextPairs ? data.Examples.Select(e => e.TextPair).ToList() : null, maxLength);
}
