using TuneSharp.Models;
using TuneSharp.Tasks.SequenceClassification;
using TuneSharp.Tokenization;
using static TorchSharp.torch;

namespace TuneSharp.Tasks.TokenClassification;

/// <summary>
/// Named entities (or any token labels) in plain texts, as transformers' token-classification ("ner") pipeline:
/// tokenizes each text, runs the model in eval mode under no_grad in length-sorted batches, turns logits into softmax
/// probabilities and aggregates the tokens into entities (<see cref="AggregationStrategy"/>, <see cref="EntityAggregation"/>)
/// whose spans index the original text. A text longer than <see cref="MaxLength"/> is never cut: it is split into
/// windows that share <see cref="Stride"/> tokens, and each token takes its probabilities from the window where it has
/// the most context, so entities are aggregated once over the whole text.
/// </summary>
public sealed class TokenClassificationPipeline : IDisposable
{
    private readonly bool _ownsModel;

    /// <param name="model">The token classifier; label names come from its config's id2label.</param>
    /// <param name="tokenizer">Its tokenizer (it must have a pad token).</param>
    /// <param name="maxLength">Tokens per window, special tokens included; null: the tokenizer's model_max_length, at most
    /// 512 and the model's positions.</param>
    /// <param name="stride">Tokens consecutive windows of a long text share; null: a quarter of the room a window has for
    /// the text (as training's windows).</param>
    /// <exception cref="TuneSharpException">max_length is below the special tokens' count plus one or beyond the model's
    /// positions, the stride does not fit it, or the tokenizer's ids do not fit the model.</exception>
    public TokenClassificationPipeline(ITokenClassifier model, TextTokenizer tokenizer, int? maxLength = null, int? stride = null)
        : this(model, tokenizer, maxLength, stride, ownsModel: false) { }

    private TokenClassificationPipeline(ITokenClassifier model, TextTokenizer tokenizer, int? maxLength, int? stride, bool ownsModel)
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
        Tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));
        TokenizerModelCheck.EnsureIdsFitEmbeddings(tokenizer, model.InputEmbeddings.weight!.shape[0]);
        var positions = model.Config.MaxPositions;
        MaxLength = maxLength ?? Math.Min(Math.Min(tokenizer.ModelMaxLength ?? 512, 512), positions);
        var specials = tokenizer.Encode("").Length;
        if (MaxLength <= specials || MaxLength > positions)
            throw new TuneSharpException(
                $"max_length must leave room for text after the {specials} special tokens and fit the model's {positions} positions " +
                $"(max_position_embeddings): between {specials + 1} and {positions}, got {MaxLength}.") { Setting = "max_length" };
        var room = MaxLength - specials;
        Stride = stride ?? room / 4;
        if (Stride < 0 || Stride >= room)
            throw new TuneSharpException(
                $"stride must be at least 0 and smaller than the {room} tokens a window of max_length {MaxLength} has for the text " +
                $"(after {specials} special tokens), got {Stride}.") { Setting = "stride" };
        _ownsModel = ownsModel;
        var id2label = model.Config.Id2Label;
        Labels = Enumerable.Range(0, model.NumLabels).Select(i => id2label is not null && id2label.TryGetValue(i, out var l) ? l : $"LABEL_{i}").ToArray();
    }

    /// <summary>The token classifier.</summary>
    public ITokenClassifier Model { get; }

    /// <summary>Its tokenizer.</summary>
    public TextTokenizer Tokenizer { get; }

    /// <summary>Tokens per window, special tokens included.</summary>
    public int MaxLength { get; }

    /// <summary>Tokens that consecutive windows of a text longer than <see cref="MaxLength"/> share.</summary>
    public int Stride { get; }

    /// <summary>Label names in label-id order.</summary>
    public IReadOnlyList<string> Labels { get; }

    /// <summary>
    /// Loads a trained token classifier folder (config.json with architectures e.g. ["BertForTokenClassification"] and
    /// id2label, model.safetensors, tokenizer files), as saved by <see cref="TokenClassificationModel.SavePretrained"/> and
    /// training. A folder whose token-classification head was never trained (a base model) is refused unless
    /// <paramref name="allowUntrainedHead"/>: its predictions would be random. A tokenizer without a pad token pads with
    /// its EOS token.
    /// </summary>
    /// <param name="modelDir">The model folder.</param>
    /// <param name="maxLength">Tokens per window (see the constructor); checked against the model's positions before the weights are read.</param>
    /// <param name="stride">Tokens windows share (see the constructor).</param>
    /// <param name="dtype">Floating dtype of the weights (e.g. BFloat16); null keeps float32. Scores are float32 either way.</param>
    /// <param name="allowUntrainedHead">Run a base model's randomly initialised head anyway.</param>
    /// <exception cref="TuneSharpException">The folder is a PEFT adapter, max_length or stride is invalid, the head is
    /// untrained (<see cref="UntrainedHeadException"/>), or the folder cannot be loaded.</exception>
    public static TokenClassificationPipeline FromPretrained(string modelDir, int? maxLength = null, int? stride = null,
        ScalarType? dtype = null, bool allowUntrainedHead = false)
    {
        ArgumentNullException.ThrowIfNull(modelDir);
        // An adapter folder (LoRA, adapters, prompt tuning) is opened on the base model it names.
        var positions = PretrainedConfig.Load(TuneSharp.Peft.PeftClassifierLoader.IsAdapterFolder(modelDir)
            ? TuneSharp.Peft.PeftClassifierLoader.BaseModelDir(modelDir) : modelDir).MaxPositions;
        if (maxLength is { } requested && (requested < 1 || requested > positions))
            throw new TuneSharpException($"max_length must be between 1 and the model's {positions} positions (max_position_embeddings in {Path.Combine(modelDir, PretrainedConfig.FileName)}), got {requested}.") { Setting = "max_length" };
        var tokenizer = TextTokenizer.FromPretrained(modelDir);
        // Decoders (Llama) ship without a pad token; padding is masked out, so EOS works as well as any token.
        if (tokenizer.SpecialTokens.PadId is null && tokenizer.SpecialTokens.Eos is { } eos) tokenizer.SetPadToken(eos);
        var model = (ITokenClassifier)TuneSharp.Peft.PeftClassifierLoader.LoadTaskModel(modelDir, ModelTask.TokenClassification, dtype, !allowUntrainedHead);
        try
        {
            TokenizerModelCheck.EnsureIdsFitEmbeddings(tokenizer, model.InputEmbeddings.weight!.shape[0], modelDir);
            return new TokenClassificationPipeline(model, tokenizer, maxLength, stride, ownsModel: true);
        }
        catch
        {
            model.Module.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The entities of <paramref name="text"/> by <paramref name="strategy"/>, in text order, without those whose label is in
    /// <paramref name="ignoreLabels"/> (null: ["O"]; see <see cref="EntityAggregation.Aggregate"/>).
    /// </summary>
    public IReadOnlyList<TokenEntity> Predict(string text, AggregationStrategy strategy = AggregationStrategy.None,
        IReadOnlyCollection<string>? ignoreLabels = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Predict([text], strategy, ignoreLabels)[0];
    }

    /// <summary>The entities of every text (see <see cref="Predict(string, AggregationStrategy, IReadOnlyCollection{string}?)"/>), in input order.</summary>
    /// <param name="texts">The texts.</param>
    /// <param name="strategy">How tokens become entities.</param>
    /// <param name="ignoreLabels">Labels to leave out; null: ["O"].</param>
    /// <param name="batchSize">Windows per forward pass.</param>
    public IReadOnlyList<IReadOnlyList<TokenEntity>> Predict(IReadOnlyList<string> texts, AggregationStrategy strategy = AggregationStrategy.None,
        IReadOnlyCollection<string>? ignoreLabels = null, int batchSize = 32)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var tokens = PreEntities(texts, batchSize);
        return texts.Select((text, i) => EntityAggregation.Aggregate(text, tokens[i], Labels, strategy, ignoreLabels)).ToList();
    }

    /// <summary>
    /// Every token of every text (special tokens left out) with its label probabilities, before aggregation: what
    /// <see cref="Predict(IReadOnlyList{string}, AggregationStrategy, IReadOnlyCollection{string}?, int)"/> aggregates.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<PreEntity>> PreEntities(IReadOnlyList<string> texts, int batchSize = 32)
    {
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (texts.Count == 0) return [];
        var windows = new WindowedTexts(Tokenizer, texts, MaxLength, Stride);
        var scores = TokenScoring.Run(Model, windows, batchSize);
        return windows.Tokens.Select((tokens, i) => (IReadOnlyList<PreEntity>)tokens
            .Select((t, k) => new PreEntity(t.Index, t.Start, t.End, t.IsSubword, scores[i][k])).ToList()).ToList();
    }

    /// <summary>Disposes the model when the pipeline loaded it (<see cref="FromPretrained"/>).</summary>
    public void Dispose()
    {
        if (_ownsModel) Model.Module.Dispose();
    }
}
