using TuneSharp.Inference;
using TuneSharp.Tasks.TextClassification;
using TuneSharp.Tokenization;
using TuneSharp.Training;
using static TorchSharp.torch;

namespace TuneSharp.Tasks.CausalLm;

/// <summary>
/// Causal language modelling for the <see cref="Trainer"/> (<c>--task causal-lm</c>): next-token loss on the trained
/// positions of each sequence (responses only, or everything), token-weighted, so a step's loss is the mean over its
/// trained tokens as transformers computes it for one batch. Training rows are <see cref="PackedSequence"/>s: a lone
/// example is a row with one segment, a packed row holds several, kept apart by the segment-numbered attention mask
/// and restarting positions. Evaluation reports eval_loss (token-weighted over the whole validation set),
/// eval_perplexity = exp(eval_loss), and optionally logs greedy continuations of a few validation prompts.
/// </summary>
public sealed class CausalLmTask : ITrainingTask
{
    private readonly CausalLanguageModel _model;
    private readonly TextTokenizer _tokenizer;
    private readonly string? _tokenizerDir;
    private readonly CausalLmTaskOptions _options;
    private readonly IReadOnlyList<PackedSequence> _train;
    private readonly IReadOnlyList<PackedSequence> _eval;
    private readonly IReadOnlyList<CausalLmExample> _evalExamples;
    private readonly int[] _trainLengths;
    private readonly long _padId;

    /// <param name="model">The language model (its head computes the loss).</param>
    /// <param name="tokenizer">The tokenizer the examples were made with (saved beside the model).</param>
    /// <param name="train">Training rows: <see cref="Single"/> examples or packed ones.</param>
    /// <param name="eval">Validation examples (never packed), or null.</param>
    /// <param name="options">Loss chunking and evaluation generations.</param>
    /// <param name="tokenizerDir">The folder the tokenizer files are copied from when saving (the model folder).</param>
    public CausalLmTask(CausalLanguageModel model, TextTokenizer tokenizer, IReadOnlyList<PackedSequence> train,
        IReadOnlyList<CausalLmExample>? eval = null, CausalLmTaskOptions? options = null, string? tokenizerDir = null)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));
        _train = train ?? throw new ArgumentNullException(nameof(train));
        if (train.Count == 0) throw new TuneSharpException("The causal-LM task has no training sequences.");
        TokenizerModelCheck.EnsureIdsFitEmbeddings(tokenizer, model.InputEmbeddings.weight!.shape[0], tokenizerDir);
        _options = options ?? new CausalLmTaskOptions();
        _tokenizerDir = tokenizerDir;
        _evalExamples = eval ?? [];
        _eval = _evalExamples.Select(Single).ToList();
        _trainLengths = train.Select(r => r.InputIds.Length).ToArray();
        // Padding is masked out and never trained, so any id does where the tokenizer has no pad token.
        _padId = tokenizer.SpecialTokens.PadId ?? tokenizer.SpecialTokens.EosId ?? 0;
    }

    /// <summary>An example as a training row of its own: one segment, positions 0..n−1.</summary>
    public static PackedSequence Single(CausalLmExample example)
    {
        ArgumentNullException.ThrowIfNull(example);
        var n = example.InputIds.Length;
        return new PackedSequence(example.InputIds, example.Labels, Enumerable.Repeat(1, n).ToArray(), Enumerable.Range(0, n).ToArray());
    }

    /// <inheritdoc/>
    public nn.Module Model => _model.Module;

    /// <inheritdoc/>
    public int TrainExampleCount => _train.Count;

    /// <inheritdoc/>
    public int EvalExampleCount => _eval.Count;

    /// <summary>
    /// The loss's float32 logits: at most LossChunkTokens rows of the vocabulary at once (every position of the batch
    /// may be trained), three such tensors at the peak (the logits, the log-softmax autograd keeps, and its gradient).
    /// </summary>
    public long OutputActivationBytes(int batch, int length) =>
        3L * Math.Min((long)batch * Math.Max(0, length - 1), _options.LossChunkTokens) * _model.VocabSize * sizeof(float);

    /// <summary>Each training row's token count (for the resource plan and length grouping).</summary>
    public IReadOnlyList<int> TrainLengths => _trainLengths;

    /// <inheritdoc/>
    public IReadOnlyList<int[]> TrainBatches(int epoch, int batchSize, int seed, bool groupByLength) =>
        BatchSampler.Batches(_train.Count, batchSize, seed, epoch, groupByLength, _trainLengths);

    /// <inheritdoc/>
    public BatchLoss ComputeLoss(int[] batch, double labelSmoothing)
    {
        var (sum, count) = Loss(batch.Select(i => _train[i]).ToList(), labelSmoothing);
        return new BatchLoss(sum, count);
    }

    /// <inheritdoc/>
    public Dictionary<string, double> Evaluate(int batchSize, double labelSmoothing, CancellationToken ct)
    {
        if (_eval.Count == 0) throw new TrainingException("This causal-LM task has no evaluation examples.");
        var metrics = Score(_eval, batchSize, labelSmoothing, ct);
        if (_options.EvalGenerateSamples > 0 && _options.GenerationLog is { } log) LogGenerations(log, ct);
        return metrics;
    }

    /// <summary>
    /// eval_loss, eval_perplexity and eval_tokens of other examples (a test file, after training), under no_grad in
    /// eval mode.
    /// </summary>
    public Dictionary<string, double> EvaluateOn(IReadOnlyList<CausalLmExample> examples, int batchSize, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(examples);
        var module = _model.Module;
        var wasTraining = module.training;
        module.eval();
        try
        {
            using var noGrad = no_grad();
            return Score(examples.Select(Single).ToList(), batchSize, 0, ct);
        }
        finally
        {
            if (wasTraining) module.train();
        }
    }

    private Dictionary<string, double> Score(IReadOnlyList<PackedSequence> rows, int batchSize, double labelSmoothing, CancellationToken ct)
    {
        double lossSum = 0;
        long tokens = 0;
        // Similar lengths together, so little of each batch is padding; the sum does not depend on the order.
        var order = Enumerable.Range(0, rows.Count).OrderBy(i => rows[i].InputIds.Length).ToArray();
        for (var first = 0; first < order.Length; first += batchSize)
        {
            ct.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var batch = order.Skip(first).Take(batchSize).Select(i => rows[i]).ToList();
            var (sum, count) = Loss(batch, labelSmoothing);
            lossSum += sum.item<float>();
            tokens += count;
        }
        var loss = tokens == 0 ? 0 : lossSum / tokens;
        return new Dictionary<string, double>
        {
            ["eval_loss"] = loss,
            ["eval_perplexity"] = Math.Exp(Math.Min(loss, 700)), // exp overflows a double past ~709
            ["eval_tokens"] = tokens,
        };
    }

    /// <inheritdoc/>
    public void Save(string dir)
    {
        Directory.CreateDirectory(dir);
        _model.SavePretrained(dir);
        if (_tokenizerDir is not null) TokenizerFiles.Copy(_tokenizer, _tokenizerDir, dir);
        if (_options.ChatTemplateSource is { } template) Tokenization.ChatTemplates.ChatTemplateFiles.Save(dir, template);
    }

    /// <inheritdoc/>
    public void LoadModelWeights(string dir) => ModuleWeights.LoadInto(_model, dir);

    // The summed loss of some rows, right-padded into one batch: the mask carries the segment numbers (0 on padding).
    private (Tensor Sum, long Count) Loss(IReadOnlyList<PackedSequence> rows, double labelSmoothing)
    {
        using var scope = NewDisposeScope();
        var length = rows.Max(r => r.InputIds.Length);
        var shape = new long[] { rows.Count, length };
        var ids = new long[rows.Count * length];
        var labels = new long[ids.Length];
        var mask = new long[ids.Length];
        var positions = new long[ids.Length];
        for (var b = 0; b < rows.Count; b++)
        {
            var row = rows[b];
            for (var t = 0; t < length; t++)
            {
                var k = b * length + t;
                var real = t < row.InputIds.Length;
                ids[k] = real ? row.InputIds[t] : _padId;
                labels[k] = real ? row.Labels[t] : CausalLmExample.IgnoreIndex;
                mask[k] = real ? row.SegmentIds[t] : 0;
                positions[k] = real ? row.PositionIds[t] : 0;
            }
        }
        var device = _model.InputEmbeddings.weight!.device;
        var hidden = _model.Backbone.Decode(tensor(ids, shape, ScalarType.Int64).to(device), null,
            tensor(mask, shape, ScalarType.Int64).to(device), tensor(positions, shape, ScalarType.Int64).to(device));
        var (sum, count) = CausalLmLoss.Sum(_model, hidden, tensor(labels, shape, ScalarType.Int64), labelSmoothing, _options.LossChunkTokens);
        return (sum.MoveToOuterDisposeScope(), count);
    }

    // Greedy continuations of the first validation prompts: each example's tokens before its first trained one.
    private void LogGenerations(Action<string> log, CancellationToken ct)
    {
        var generator = new TextGenerator(_model, _tokenizer);
        var options = new GenerationOptions { MaxNewTokens = _options.EvalGenerateMaxNewTokens, TruncatePrompt = true };
        foreach (var example in _evalExamples.Take(_options.EvalGenerateSamples))
        {
            ct.ThrowIfCancellationRequested();
            var start = Array.FindIndex(example.Labels, 1, l => l != CausalLmExample.IgnoreIndex);
            // Documents (every token trained) get their first quarter as the prompt.
            var promptLength = start <= 0 || start == 1 ? Math.Max(1, example.InputIds.Length / 4) : start;
            var prompt = example.InputIds.Take(promptLength).ToArray();
            using var scope = NewDisposeScope();
            var generated = generator.GenerateIds(prompt, options).ToList();
            log($"sample: {Quote(_tokenizer.Decode(prompt, skipSpecialTokens: false))} → {Quote(_tokenizer.Decode(generated, skipSpecialTokens: false))}");
        }
    }

    private static string Quote(string text) =>
        System.Text.Json.JsonSerializer.Serialize(text.Length > 400 ? text[^400..] : text, new System.Text.Json.JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
}
