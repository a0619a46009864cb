using TuneSharp.Models;
using TuneSharp.Tasks.SequenceClassification;
using TuneSharp.Tokenization;
using static TorchSharp.torch;

namespace TuneSharp.Tasks.TextClassification;

/// <summary>
/// Inference with a text classifier (HF's text-classification pipeline): tokenizes, runs the model in eval mode under
/// no_grad in length-sorted batches, and returns predictions in input order. A text longer than max_length is truncated,
/// or with <see cref="LongTextStrategy.Windows"/> scored by its windows' combined logits.
/// </summary>
public sealed class TextClassificationPipeline : IDisposable
{
    private readonly bool _ownsModel;

    /// <param name="model">The classifier; id2label comes from its config.</param>
    /// <param name="tokenizer">Its tokenizer (needs a pad token when batches hold more than one text).</param>
    /// <param name="maxLength">Truncation (window) length; null uses the tokenizer's model_max_length, capped at 512.</param>
    /// <param name="longText">Truncation (null, the default) or windows for texts longer than max_length.</param>
    /// <exception cref="TuneSharpException">The window settings do not fit max_length.</exception>
    public TextClassificationPipeline(ISequenceClassifier model, TextTokenizer tokenizer, int? maxLength = null, LongTextOptions? longText = null)
        : this(model, tokenizer, maxLength, longText, ownsModel: false) { }

    private TextClassificationPipeline(ISequenceClassifier model, TextTokenizer tokenizer, int? maxLength, LongTextOptions? longText, bool ownsModel)
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
        Tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));
        MaxLength = maxLength ?? Math.Min(tokenizer.ModelMaxLength ?? 512, 512);
        if (MaxLength < 1) throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength, "maxLength must be at least 1.");
        LongText = longText ?? LongTextOptions.Truncate;
        LongText.Validate(MaxLength);
        _ownsModel = ownsModel;
        var id2label = model.Config.Id2Label;
        Labels = Enumerable.Range(0, model.NumLabels).Select(i => id2label is not null && id2label.TryGetValue(i, out var l) ? l : $"LABEL_{i}").ToArray();
    }

    public ISequenceClassifier Model { get; }
    public TextTokenizer Tokenizer { get; }
    public int MaxLength { get; }

    /// <summary>How texts longer than <see cref="MaxLength"/> are treated.</summary>
    public LongTextOptions LongText { get; }

    /// <summary>Label names in class-id order.</summary>
    public IReadOnlyList<string> Labels { get; }

    /// <summary>
    /// Loads a trained folder (config.json with id2label and problem_type, model.safetensors or a LoRA adapter, tokenizer files). A tokenizer
    /// without a pad token pads with its EOS token. A folder whose classification head was never trained (a base model)
    /// is refused unless <paramref name="allowUntrainedHead"/>: its predictions would be random. <paramref name="longText"/>
    /// null uses what the folder was trained with (run_settings.json; truncation when it says nothing); a folder trained
    /// with windows then also scores windows of its training max_length unless <paramref name="maxLength"/> is given.
    /// </summary>
    /// <exception cref="TuneSharpException"><paramref name="maxLength"/> is below 1 or beyond the model's positions (checked
    /// before the weights are read), the head is untrained, or the folder cannot be loaded.</exception>
    public static TextClassificationPipeline FromPretrained(string modelDir, int? maxLength = null, ScalarType? dtype = null, bool allowUntrainedHead = false,
        LongTextOptions? longText = null)
    {
        var positions = PretrainedConfig.Load(modelDir).MaxPositions;
        if (maxLength is { } requested && (requested < 1 || requested > positions))
            throw new TuneSharpException($"max_length must be between 1 and the model's {positions} positions (max_position_embeddings in {Path.Combine(modelDir, PretrainedConfig.FileName)}), got {requested}.") { Setting = "max_length" };
        longText ??= ForFolder(modelDir, maxLength);
        if (longText.UsesWindows && maxLength is null && Training.TrainingArguments.TrainedMaxLength(modelDir) is { } trained && trained >= 1 && trained <= positions)
            maxLength = trained;
        var tokenizer = TextTokenizer.FromPretrained(modelDir);
        // Decoders (Llama) ship without a pad token and were fine-tuned padding with EOS, as the training recipe does;
        // padding is masked out, so any token works, and EOS keeps batches identical to training.
        if (tokenizer.SpecialTokens.PadId is null && tokenizer.SpecialTokens.Eos is { } eos) tokenizer.SetPadToken(eos);
        // A LoRA output folder holds only the adapter; the loader applies it to its base model.
        var model = TuneSharp.Peft.PeftClassifierLoader.Load(modelDir, dtype, requireTrainedHead: !allowUntrainedHead);
        try
        {
            TokenizerModelCheck.EnsureIdsFitEmbeddings(tokenizer, model.InputEmbeddings.weight!.shape[0], modelDir);
            // Prompt tuning puts its virtual tokens in front of every input: they take positions too.
            var room = positions - (model is TuneSharp.Peft.PromptTuning.PromptTunedClassifier prompt ? prompt.NumVirtualTokens : 0);
            if (maxLength > room)
                throw new TuneSharpException($"max_length {maxLength} plus the adapter's {positions - room} virtual tokens exceeds the model's {positions} positions; use a max_length of at most {room}.") { Setting = "max_length" };
            maxLength ??= Math.Min(Math.Min(tokenizer.ModelMaxLength ?? 512, 512), room);
        }
        catch
        {
            model.Module.Dispose();
            throw;
        }
        try
        {
            return new TextClassificationPipeline(model, tokenizer, maxLength, longText, ownsModel: true);
        }
        catch
        {
            model.Module.Dispose();
            throw;
        }
    }

    // The folder's own long_text settings; with a max_length given for inference, the doc_stride it recorded is cut as
    // question answering cuts its own (DocStride.ForMaxLength).
    private static LongTextOptions ForFolder(string modelDir, int? maxLength)
    {
        var trained = LongTextOptions.FromTrainedFolder(modelDir) ?? LongTextOptions.Truncate;
        if (!trained.UsesWindows || maxLength is not { } length || trained.DocStride is not { } stride) return trained;
        return trained with { DocStride = TuneSharp.Tasks.DocStride.ForMaxLength(stride, length) };
    }

    /// <summary>
    /// Predicts every text. <paramref name="topK"/> limits <see cref="TextClassificationPrediction.Scores"/> to the k best
    /// labels (null: all labels).
    /// </summary>
    public IReadOnlyList<TextClassificationPrediction> Predict(IEnumerable<string> texts, int batchSize = 32, int? topK = null) =>
        Predict(texts, null, batchSize, topK);

    /// <summary>
    /// Predicts every text, each with the second text of its pair (premise and hypothesis, question and answer...)
    /// encoded as in training: [CLS] text [SEP] pair [SEP] for BERT. <paramref name="pairs"/> null: single texts.
    /// </summary>
    public IReadOnlyList<TextClassificationPrediction> Predict(IEnumerable<string> texts, IEnumerable<string?>? pairs, int batchSize = 32, int? topK = null)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (topK is < 1) throw new ArgumentOutOfRangeException(nameof(topK), topK, "topK must be at least 1.");
        return Scores(texts, pairs, batchSize).Select(s => ToPrediction(s, topK)).ToList();
    }

    /// <summary>
    /// The scores of every text, one row per text with one score per label in class-id order: softmax probabilities
    /// (single-label), sigmoid probabilities (multi-label) or the predicted value (regression).
    /// </summary>
    public double[][] Scores(IEnumerable<string> texts, int batchSize = 32) => Scores(texts, null, batchSize);

    /// <summary>The scores of every text with its pair (see <see cref="Predict(IEnumerable{string}, IEnumerable{string?}?, int, int?)"/>).</summary>
    /// <exception cref="ArgumentException">There are not as many pairs as texts.</exception>
    public double[][] Scores(IEnumerable<string> texts, IEnumerable<string?>? pairs, int batchSize = 32)
    {
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var list = texts.ToList();
        var pairList = pairs?.ToList();
        if (pairList is not null && pairList.Count != list.Count)
            throw new ArgumentException($"{list.Count} texts but {pairList.Count} pairs; each text needs its pair.", nameof(pairs));
        if (list.Count == 0) return [];
        var tokenized = new TokenizedTexts(Tokenizer, list, pairList, MaxLength, LongText);
        return BatchedScoring.Run(Model, tokenized, batchSize, LabelEncoding.For(Model.ProblemType, Labels), LongText.Aggregation);
    }

    private TextClassificationPrediction ToPrediction(double[] scores, int? topK)
    {
        var ranked = Enumerable.Range(0, scores.Length).OrderByDescending(i => scores[i]).ThenBy(i => i)
            .Select(i => new LabelScore(Labels[i], scores[i])).ToList();
        // Multi-label: every class whose sigmoid reaches the threshold, before top-k trims the score list.
        IReadOnlyList<string>? predicted = Model.ProblemType == ProblemType.MultiLabelClassification
            ? ranked.Where(s => s.Score >= LabelEncoding.MultiLabelThreshold).Select(s => s.Label).ToList()
            : null;
        return new TextClassificationPrediction(ranked[0].Label, ranked[0].Score, ranked.Take(topK ?? scores.Length).ToList())
        {
            PredictedLabels = predicted,
        };
    }

    public void Dispose()
    {
        if (_ownsModel) Model.Module.Dispose();
    }
}
