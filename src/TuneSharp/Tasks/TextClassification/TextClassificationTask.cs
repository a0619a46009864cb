using TuneSharp.Data;
using TuneSharp.Evaluation;
using TuneSharp.Tasks.SequenceClassification;
using TuneSharp.Tokenization;
using TuneSharp.Training;
using static TorchSharp.torch;

namespace TuneSharp.Tasks.TextClassification;

/// <summary>
/// Text (or text-pair) classification for the <see cref="Trainer"/>, single-label, multi-label or regression as the
/// model's problem_type says: tokenizes every example once (truncated, unpadded), pads each batch to its longest
/// example, computes the problem type's loss (cross entropy with label smoothing, BCE with logits, MSE) and evaluates
/// its metrics plus eval_loss. What depends on the problem type lives in a <see cref="LabelEncoding"/>. With
/// <see cref="LongTextStrategy.Windows"/> a long text becomes several training examples (its windows, each with the
/// text's label), and evaluation scores each text by its windows' combined logits.
/// </summary>
public sealed class TextClassificationTask : ITrainingTask
{
    private readonly ISequenceClassifier _model;
    private readonly TextTokenizer _tokenizer;
    private readonly string? _tokenizerDir;
    private readonly LabelEncoding _encoding;
    private readonly TokenizedTexts _train;
    private readonly float[][] _trainTargets;
    private readonly TokenizedTexts? _eval;
    private readonly float[][] _evalTargets;
    private readonly LongTextOptions _longText;

    /// <param name="model">A classifier with one output per label of <paramref name="train"/> (one output for regression); its problem_type decides the loss and metrics.</param>
    /// <param name="tokenizer">The model's tokenizer (it must have a pad token).</param>
    /// <param name="train">Training examples, read in the label format of the model's problem type; their label map defines the class ids.</param>
    /// <param name="eval">Evaluation examples (labels looked up in the training label map), or null.</param>
    /// <param name="maxLength">Truncation length in tokens.</param>
    /// <param name="tokenizerDir">Folder the tokenizer was loaded from; its files are copied into saved models.</param>
    /// <param name="longText">Truncation (null, the default) or windows for texts longer than <paramref name="maxLength"/>.</param>
    /// <exception cref="TuneSharpException">The model does not fit the labels, the data's label format does not fit the problem
    /// type, an evaluation label is unknown, or the window settings do not fit max_length.</exception>
    public TextClassificationTask(ISequenceClassifier model, TextTokenizer tokenizer, TextClassificationDataset train,
        TextClassificationDataset? eval = null, int maxLength = 128, string? tokenizerDir = null, LongTextOptions? longText = null)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));
        TokenizerModelCheck.EnsureIdsFitEmbeddings(tokenizer, model.InputEmbeddings.weight!.shape[0], tokenizerDir);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 1);
        var labels = train.Labels;
        if (model.NumLabels != labels.Count)
            throw new SequenceClassificationException(
                $"The model has {model.NumLabels} outputs but the training data has {labels.Count} labels ({labels.Describe()}); build the head with NumLabels = {labels.Count}.");
        _encoding = LabelEncoding.For(model.ProblemType, labels.Labels);
        _tokenizerDir = tokenizerDir;
        _longText = longText ?? LongTextOptions.Truncate;
        _longText.Validate(maxLength);

        _train = Tokenize(train, maxLength);
        _trainTargets = _encoding.Encode(train);
        _eval = eval is null || eval.Count == 0 ? null : Tokenize(eval, maxLength);
        _evalTargets = _eval is null ? [] : _encoding.Encode(eval!);
    }

    /// <summary>The classifier being trained.</summary>
    public ISequenceClassifier Classifier => _model;

    public nn.Module Model => _model.Module;

    /// <summary>Training windows: one per text when truncating, and several for a long text with windows.</summary>
    public int TrainExampleCount => _train.Count;

    /// <summary>Evaluation texts (each scored once, whatever its number of windows).</summary>
    public int EvalExampleCount => _eval?.TextCount ?? 0;

    /// <summary>Evaluation windows (an example longer than max_length gives several).</summary>
    public int EvalInputCount => _eval?.Count ?? 0;

    /// <summary>Training and evaluation examples longer than the maximum length (truncated), for reporting.</summary>
    public (int Train, int Eval) TruncatedExamples => (_train.TruncatedCount, _eval?.TruncatedCount ?? 0);

    /// <summary>Training and evaluation texts cut into several windows (<see cref="LongTextStrategy.Windows"/>).</summary>
    public (int Train, int Eval) WindowedExamples => (_train.WindowedCount, _eval?.WindowedCount ?? 0);

    /// <summary>Token count of each training window (after truncation, with special tokens).</summary>
    public IReadOnlyList<int> TrainLengths => _train.Lengths;

    public IReadOnlyList<int[]> TrainBatches(int epoch, int batchSize, int seed, bool groupByLength) =>
        BatchSampler.Batches(_train.Count, batchSize, seed, epoch, groupByLength, _train.Lengths);

    public BatchLoss ComputeLoss(int[] batch, double labelSmoothing)
    {
        var (ids, mask, types) = _train.Batch(batch);
        var targets = _encoding.Targets(batch.Select(w => _trainTargets[_train.TextOf(w)]));
        var logits = _model.Forward(ids, mask, types);
        // The loss is a mean over the batch; times the batch size it is the sum the trainer accumulates.
        var mean = SequenceClassificationLoss.Compute(logits, targets, _model.ProblemType, labelSmoothing);
        return new BatchLoss(mean * batch.Length, batch.Length);
    }

    public Dictionary<string, double> Evaluate(int batchSize, double labelSmoothing, CancellationToken ct)
    {
        if (_eval is null) throw new TrainingException("This text-classification task has no evaluation examples.");
        double lossSum = 0;
        var scores = BatchedScoring.Run(_model, _eval, batchSize, _encoding, _longText.Aggregation, (batch, logits) =>
        {
            var targets = _encoding.Targets(batch.Select(i => _evalTargets[i]));
            lossSum += SequenceClassificationLoss.Compute(logits, targets, _model.ProblemType, labelSmoothing).item<float>() * (double)batch.Length;
        }, ct);
        var metrics = _encoding.Metrics(scores, _evalTargets).Values.ToDictionary(m => "eval_" + m.Key, m => m.Value);
        metrics["eval_loss"] = lossSum / _eval.TextCount;
        return metrics;
    }

    public void Save(string dir)
    {
        Directory.CreateDirectory(dir);
        _model.SavePretrained(dir);
        if (_tokenizerDir is not null) TokenizerFiles.Copy(_tokenizer, _tokenizerDir, dir);
    }

    public void LoadModelWeights(string dir) => ModuleWeights.LoadInto(_model, dir);

    /// <summary>How texts longer than max_length are treated.</summary>
    public LongTextOptions LongText => _longText;

    private TokenizedTexts Tokenize(TextClassificationDataset data, int maxLength) =>
        new(_tokenizer, data.Examples.Select(e => e.Text).ToList(), data.HasTextPairs ? data.Examples.Select(e => e.TextPair).ToList() : null, maxLength,
            _longText, i => $"{data.SourcePath ?? "data"}, line {data.Examples[i].Line}");
}
