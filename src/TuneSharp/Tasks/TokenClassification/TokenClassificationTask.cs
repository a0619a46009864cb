using TuneSharp.Data;
using TuneSharp.Evaluation.SequenceLabeling;
using TuneSharp.Tasks.TextClassification;
using TuneSharp.Tokenization;
using TuneSharp.Training;
using static TorchSharp.torch;

namespace TuneSharp.Tasks.TokenClassification;

/// <summary>
/// Token classification (named entities, part of speech) for the <see cref="Trainer"/>: sentences of words are
/// tokenized once into windows (<see cref="TokenizedWords"/>), labels are put on first sub-tokens
/// (<see cref="WordLabelAlignment"/>), the loss is cross entropy over the labelled positions (a sum over tokens, so
/// accumulated micro-batches equal one large batch), and evaluation merges windows back into one prediction per word
/// and scores them as seqeval does (eval_precision, eval_recall, eval_f1, eval_accuracy, per-type scores, eval_loss).
/// </summary>
public sealed class TokenClassificationTask : ITrainingTask
{
    private readonly ITokenClassifier _model;
    private readonly TextTokenizer _tokenizer;
    private readonly string? _tokenizerDir;
    private readonly TokenClassificationTaskOptions _options;
    private readonly LabelMap _labels;
    private readonly TokenizedWords _train;
    private readonly long[][] _trainLabels;
    private readonly TokenClassificationDataset? _evalData;
    private readonly TokenizedWords? _eval;
    private readonly long[][] _evalLabels;

    /// <param name="model">A token classifier with one output per label of <paramref name="train"/>.</param>
    /// <param name="tokenizer">The model's tokenizer (it must have a pad token).</param>
    /// <param name="train">Training sentences; their label map defines the label ids.</param>
    /// <param name="eval">Evaluation sentences (tags in the training label map), or null.</param>
    /// <param name="options">Window length, stride, label_all_tokens, seqeval mode.</param>
    /// <param name="tokenizerDir">Folder the tokenizer was loaded from; its files are copied into saved models.</param>
    /// <exception cref="TuneSharpException">The model does not fit the labels, or a stride does not fit max_length.</exception>
    public TokenClassificationTask(ITokenClassifier model, TextTokenizer tokenizer, TokenClassificationDataset train,
        TokenClassificationDataset? eval = null, TokenClassificationTaskOptions? options = null, string? tokenizerDir = null)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));
        ArgumentNullException.ThrowIfNull(train);
        _options = options ?? new TokenClassificationTaskOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxLength, 1);
        TokenizerModelCheck.EnsureIdsFitEmbeddings(tokenizer, model.InputEmbeddings.weight!.shape[0], tokenizerDir);
        _labels = train.Labels;
        if (model.NumLabels != _labels.Count)
            throw new TuneSharpException(
                $"The model has {model.NumLabels} outputs but the training data has {_labels.Count} labels ({_labels.Describe()}); build the head with NumLabels = {_labels.Count}.");
        _tokenizerDir = tokenizerDir;
        Stride = _options.StrideFor(tokenizer.Encode("").Length);

        _train = Tokenize(train);
        _trainLabels = Align(_train, train);
        if (eval is { Count: > 0 })
        {
            _evalData = eval;
            _eval = Tokenize(eval);
            _evalLabels = Align(_eval, eval);
        }
        else _evalLabels = [];
    }

    /// <summary>The token classifier being trained.</summary>
    public ITokenClassifier Classifier => _model;

    /// <summary>The stride of the windows (tokens shared by consecutive windows of a long sentence).</summary>
    public int Stride { get; }

    /// <summary>Sentences longer than max_length that were split into windows (training, evaluation).</summary>
    public (int Train, int Eval) WindowedSentences => (_train.WindowedSentences, _eval?.WindowedSentences ?? 0);

    /// <summary>Words the tokenizer turned into no token (training, evaluation): never labelled, predicted as "O".</summary>
    public (int Train, int Eval) WordsWithoutTokens => (_train.WordsWithoutTokens, _eval?.WordsWithoutTokens ?? 0);

    /// <inheritdoc/>
    public nn.Module Model => _model.Module;

    /// <summary>Training features (windows); a sentence longer than max_length gives several.</summary>
    public int TrainExampleCount => _train.Count;

    /// <inheritdoc/>
    public int EvalExampleCount => _evalData?.Count ?? 0;

    /// <summary>Evaluation windows (an example longer than max_length gives several).</summary>
    public int EvalInputCount => _eval?.Count ?? 0;

    /// <summary>Token count of each training window (special tokens included).</summary>
    public IReadOnlyList<int> TrainLengths => _train.Lengths;

    /// <inheritdoc/>
    public IReadOnlyList<int[]> TrainBatches(int epoch, int batchSize, int seed, bool groupByLength) =>
        BatchSampler.Batches(_train.Count, batchSize, seed, epoch, groupByLength, _train.Lengths);

    /// <inheritdoc/>
    public BatchLoss ComputeLoss(int[] batch, double labelSmoothing)
    {
        var (ids, mask, types, labels) = _train.Batch(batch, _trainLabels);
        var logits = _model.Forward(ids, mask, types);
        var (sum, count) = Loss(logits, labels!, labelSmoothing);
        return new BatchLoss(sum, count);
    }

    /// <inheritdoc/>
    public Dictionary<string, double> Evaluate(int batchSize, double labelSmoothing, CancellationToken ct)
    {
        if (_eval is null || _evalData is null) throw new TrainingException("This token-classification task has no evaluation examples.");
        double lossSum = 0;
        long labelled = 0;
        var scores = WordScoring.Run(_model, _eval, batchSize, (batch, logits) =>
        {
            using var labels = _eval.Batch(batch, _evalLabels).Labels!;
            var (sum, count) = Loss(logits, labels, labelSmoothing);
            lossSum += sum.item<float>();
            labelled += count;
        }, ct);
        var report = Score(_evalData, scores);
        var metrics = report.ToDictionary("eval_");
        metrics["eval_loss"] = labelled == 0 ? 0 : lossSum / labelled;
        return metrics;
    }

    /// <summary>seqeval's report of <paramref name="data"/> against this model's predictions (test sets, after training).</summary>
    public SequenceLabelingReport EvaluateOn(TokenClassificationDataset data, int batchSize, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Score(data, WordScoring.Run(_model, Tokenize(data), batchSize, null, ct));
    }

    /// <inheritdoc/>
    public void Save(string dir)
    {
        Directory.CreateDirectory(dir);
        _model.SavePretrained(dir);
        if (_tokenizerDir is not null) TokenizerFiles.Copy(_tokenizer, _tokenizerDir, dir);
    }

    /// <inheritdoc/>
    public void LoadModelWeights(string dir) => ModuleWeights.LoadInto(_model, dir);

    private TokenizedWords Tokenize(TokenClassificationDataset data) =>
        new(_tokenizer, data.Examples.Select(e => e.Tokens).ToList(), _options.MaxLength, Stride);

    private long[][] Align(TokenizedWords words, TokenClassificationDataset data)
    {
        var beginToInside = _options.LabelAllTokens ? WordLabelAlignment.BeginToInside(_labels.Labels) : null;
        var wordLabels = data.Examples.Select(e => e.Tags.Select(_labels.Id).ToArray()).ToArray();
        return words.Features.Select(f => WordLabelAlignment.Align(f.WordIds, f.FirstSubToken, wordLabels[f.Example], _options.LabelAllTokens, beginToInside)).ToArray();
    }

    // Cross entropy summed over the labelled positions, and their count.
    private static (Tensor Sum, long Count) Loss(Tensor logits, Tensor labels, double labelSmoothing)
    {
        var flatLabels = labels.reshape(-1);
        var count = flatLabels.ne(WordLabelAlignment.IgnoreIndex).sum().item<long>();
        var sum = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[^1]), flatLabels,
            ignore_index: WordLabelAlignment.IgnoreIndex, reduction: nn.Reduction.Sum, label_smoothing: labelSmoothing);
        return (sum, count);
    }

    private SequenceLabelingReport Score(TokenClassificationDataset data, float[]?[][] scores) =>
        TokenClassificationEvaluator.Score(_labels, data, scores, _options);
}
