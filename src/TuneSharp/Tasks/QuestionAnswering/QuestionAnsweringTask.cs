using TuneSharp.Data;
using TuneSharp.Tasks.TextClassification;
using TuneSharp.Tokenization;
using TuneSharp.Training;
using static TorchSharp.torch;

namespace TuneSharp.Tasks.QuestionAnswering;

/// <summary>
/// Extractive question answering for the <see cref="Trainer"/>, as transformers' run_qa.py trains it: examples become
/// features (<see cref="QuestionAnsweringFeatures"/>: question first, the context in windows), every window is a training
/// example labelled with the answer's start and end tokens or CLS, the loss is transformers' span loss per window (summed
/// over the batch, so accumulated micro-batches equal one large batch), and evaluation puts the windows of each example
/// back together (<see cref="AnswerPostProcessing"/>) and scores the answers as the official SQuAD scripts do
/// (eval_exact_match, eval_f1; v2: eval_exact, eval_f1, eval_HasAns_*, eval_NoAns_*, eval_best_*), plus eval_loss.
/// </summary>
public sealed class QuestionAnsweringTask : ITrainingTask
{
    private readonly IQuestionAnsweringModel _model;
    private readonly TextTokenizer _tokenizer;
    private readonly string? _tokenizerDir;
    private readonly QuestionAnsweringTaskOptions _options;
    private readonly QuestionAnsweringFeatures _train;
    private readonly QuestionAnsweringDataset? _evalData;
    private readonly QuestionAnsweringFeatures? _eval;

    /// <param name="model">A QA model.</param>
    /// <param name="tokenizer">The model's tokenizer (it must have a pad token).</param>
    /// <param name="train">Training examples (the first answer of each is its label, as in run_qa.py).</param>
    /// <param name="eval">Evaluation examples with gold answers, or null.</param>
    /// <param name="options">Window length, doc_stride, post-processing.</param>
    /// <param name="tokenizerDir">Folder the tokenizer was loaded from; its files are copied into saved models.</param>
    /// <exception cref="TuneSharpException">Options out of range, a question too long for its windows, or SQuAD v2.0 data without version_2_with_negative.</exception>
    public QuestionAnsweringTask(IQuestionAnsweringModel model, TextTokenizer tokenizer, QuestionAnsweringDataset train,
        QuestionAnsweringDataset? eval = null, QuestionAnsweringTaskOptions? options = null, string? tokenizerDir = null)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));
        ArgumentNullException.ThrowIfNull(train);
        _options = options ?? new QuestionAnsweringTaskOptions();
        _options.Validate();
        TokenizerModelCheck.EnsureIdsFitEmbeddings(tokenizer, model.InputEmbeddings.weight!.shape[0], tokenizerDir);
        if (!_options.PostProcessing.Version2WithNegative && (train.HasUnanswerable || eval?.HasUnanswerable == true))
            throw new TuneSharpException(
                $"The {(train.HasUnanswerable ? "training" : "evaluation")} data has questions without an answer (SQuAD v2.0); set version_2_with_negative " +
                "so the model learns to answer none (the CLS position) and evaluation scores them as v2.0 does.") { Setting = "version_2_with_negative" };
        _tokenizerDir = tokenizerDir;
        _train = Tokenize(train.Examples);
        if (eval is { Count: > 0 })
        {
            _evalData = eval;
            _eval = Tokenize(eval.Examples);
        }
    }

    /// <summary>The QA model being trained.</summary>
    public IQuestionAnsweringModel QaModel => _model;

    /// <summary>The options in use.</summary>
    public QuestionAnsweringTaskOptions Options => _options;

    /// <summary>Examples whose context needed several windows (training, evaluation).</summary>
    public (int Train, int Eval) WindowedExamples => (_train.WindowedExamples, _eval?.WindowedExamples ?? 0);

    /// <inheritdoc/>
    public nn.Module Model => _model.Module;

    /// <summary>Training features (windows); an example with a long context gives several.</summary>
    public int TrainExampleCount => _train.Count;

    /// <inheritdoc/>
    public int EvalExampleCount => _evalData?.Count ?? 0;

    /// <summary>Evaluation windows (an example longer than max_length gives several).</summary>
    public int EvalInputCount => _eval?.Count ?? 0;

    /// <summary>Token count of each training window.</summary>
    public IReadOnlyList<int> TrainLengths => _train.Lengths;

    /// <inheritdoc/>
    public IReadOnlyList<int[]> TrainBatches(int epoch, int batchSize, int seed, bool groupByLength) =>
        BatchSampler.Batches(_train.Count, batchSize, seed, epoch, groupByLength, _train.Lengths);

    /// <inheritdoc/>
    public BatchLoss ComputeLoss(int[] batch, double labelSmoothing)
    {
        // Label smoothing, when set, applies to both cross entropies: the Trainer's label smoother never sees QA outputs
        // (they have no "logits"), but here the setting is honoured rather than silently ignored.
        var (ids, mask, types, starts, ends) = _train.Batch(batch, withPositions: true);
        var (startLogits, endLogits) = _model.Forward(ids, mask, types);
        return new BatchLoss(QuestionAnsweringLoss.Sum(startLogits, endLogits, starts!, ends!, labelSmoothing), batch.Length);
    }

    /// <inheritdoc/>
    public Dictionary<string, double> Evaluate(int batchSize, double labelSmoothing, CancellationToken ct)
    {
        if (_eval is null || _evalData is null) throw new TrainingException("This question-answering task has no evaluation examples.");
        double lossSum = 0;
        var (start, end) = SpanScoring.Run(_model, _eval, batchSize, (batch, startLogits, endLogits) =>
        {
            var (_, _, _, starts, ends) = _eval.Batch(batch, withPositions: true);
            lossSum += QuestionAnsweringLoss.Sum(startLogits, endLogits, starts!, ends!, labelSmoothing).item<float>();
        }, ct);
        var predictions = AnswerPostProcessing.Predict(_evalData.Examples, _eval, start, end, _options.PostProcessing);
        LastEvalPredictions = predictions;
        var metrics = QuestionAnsweringEvaluator.Score(_evalData.Examples, predictions, _options.PostProcessing)
            .ToDictionary(p => "eval_" + p.Key, p => p.Value);
        metrics["eval_loss"] = _eval.Count == 0 ? 0 : lossSum / _eval.Count;
        return metrics;
    }

    /// <summary>The answers of the latest <see cref="Evaluate"/> (after training: the final model's), or null before one.</summary>
    public IReadOnlyList<AnswerPrediction>? LastEvalPredictions { get; private set; }

    /// <summary>The answers of this model for <paramref name="data"/> (test sets, after training).</summary>
    public AnswerPrediction[] PredictOn(QuestionAnsweringDataset data, int batchSize, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        var features = Tokenize(data.Examples);
        var (start, end) = SpanScoring.Run(_model, features, batchSize, null, ct);
        return AnswerPostProcessing.Predict(data.Examples, features, start, end, _options.PostProcessing);
    }

    /// <summary>SQuAD metrics of this model on <paramref name="data"/> (keys without a prefix).</summary>
    public Dictionary<string, double> EvaluateOn(QuestionAnsweringDataset data, int batchSize, CancellationToken ct = default) =>
        QuestionAnsweringEvaluator.Score(data.Examples, PredictOn(data, batchSize, ct), _options.PostProcessing);

    /// <inheritdoc/>
    public void Save(string dir)
    {
        Directory.CreateDirectory(dir);
        _model.SavePretrained(dir);
        if (_tokenizerDir is not null) TokenizerFiles.Copy(_tokenizer, _tokenizerDir, dir);
    }

    /// <inheritdoc/>
    public void LoadModelWeights(string dir) => ModuleWeights.LoadInto(_model, dir);

    private QuestionAnsweringFeatures Tokenize(IReadOnlyList<QuestionAnsweringExample> examples) =>
        new(_tokenizer, examples, _options.MaxLength, _options.DocStride);
}
