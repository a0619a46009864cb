using TorchSharp;
using TorchSharp.Modules;
using TuneSharp.Architectures.Bert;
using TuneSharp.Checkpoints;
using TuneSharp.Models;
using static TorchSharp.torch;

namespace TuneSharp.Architectures.DebertaV2;

/// <summary>
/// The DeBERTa-v2/v3 encoder as transformers' <c>DebertaV2Model</c>: embeddings (words, absolute positions only when
/// position_biased_input, token types only when type_vocab_size &gt; 0, an <c>embed_proj</c> when embedding_size differs
/// from hidden_size, LayerNorm, then padding zeroed), then post-LayerNorm layers with disentangled attention: the content
/// scores q·kᵀ plus, over relative distances (log-bucketed when position_buckets &gt; 0), content→position q·pkᵀ and
/// position→content k·pqᵀ, all divided by √(head size · (1 + number of those terms)). The relative embeddings
/// (<c>encoder.rel_embeddings</c>, normalised by <c>encoder.LayerNorm</c> when norm_rel_ebd says "layer_norm") are
/// projected by the content query/key projections (share_att_key, v3) or by their own pos_query_proj / pos_key_proj. The
/// feed-forward block is BERT's. An optional convolution (conv_kernel_size, v2 xlarge) joins the first layer's output. No
/// pooler: the sequence classifier has its own (<see cref="DebertaV2ForSequenceClassification"/>).
/// </summary>
/// <remarks>
/// Field names are transformers' attributes, so the state_dict keys are the checkpoint's:
/// <c>embeddings.word_embeddings.weight</c>, <c>encoder.layer.N.attention.self.query_proj.weight</c>,
/// <c>encoder.layer.N.attention.output.dense.weight</c>, <c>encoder.layer.N.intermediate.dense.weight</c>,
/// <c>encoder.rel_embeddings.weight</c>, <c>encoder.LayerNorm.weight</c>, <c>encoder.conv.conv.weight</c>, ...
/// Masking is transformers' (XSoftmax): a padded key gets probability exactly 0, and a padded query attends to nothing
/// (its context is 0).
/// </remarks>
public sealed class DebertaV2Model : nn.Module, IBackbone
{
    // transformers' attribute names (they are the state_dict keys), hence the snake_case fields.
    private readonly DebertaV2Embeddings embeddings;
    private readonly DebertaV2Encoder encoder;

    /// <summary>A randomly initialised encoder (load weights with <see cref="FromPretrained"/> or through a task model).</summary>
    public DebertaV2Model(DebertaV2Config config) : base(nameof(DebertaV2Model))
    {
        Config = config;
        embeddings = new DebertaV2Embeddings(config);
        encoder = new DebertaV2Encoder(config);
        RegisterComponents();
    }

    /// <summary>The config the encoder was built from.</summary>
    public DebertaV2Config Config { get; }

    /// <inheritdoc/>
    public bool GradientCheckpointing { get => encoder.GradientCheckpointing; set => encoder.GradientCheckpointing = value; }

    /// <inheritdoc/>
    public Embedding WordEmbeddings => embeddings.WordEmbeddings;

    nn.Module IBackbone.Module => this;

    /// <summary>
    /// Last hidden state [B, T, hidden] of <paramref name="inputIds"/> [B, T]; <paramref name="attentionMask"/> 1 for real
    /// tokens (default all ones); <paramref name="tokenTypeIds"/> segment ids, read only when type_vocab_size &gt; 0.
    /// </summary>
    public Tensor forward(Tensor inputIds, Tensor? attentionMask = null, Tensor? tokenTypeIds = null) => Encode(inputIds, null, attentionMask, tokenTypeIds);

    BackboneOutput IBackbone.Forward(Tensor? inputIds, Tensor? inputsEmbeds, Tensor attentionMask, Tensor? tokenTypeIds) =>
        new(Encode(inputIds, inputsEmbeds, attentionMask, tokenTypeIds), null);

    /// <summary>Loads config.json and the safetensors weights of a model folder, bare or under <c>deberta.</c>.</summary>
    public static (DebertaV2Model Model, LoadReport Report) FromPretrained(string modelDir, ScalarType? dtype = null)
    {
        TorchRuntime.EnsureLoaded();
        var config = PretrainedConfig.Load<DebertaV2Config>(modelDir);
        var model = new DebertaV2Model(config);
        var registration = DebertaV2Architecture.Registration;
        var report = PretrainedWeights.LoadInto(model, modelDir, dtype, new StateDictLoadOptions
        {
            BaseModelPrefix = registration.BaseModelPrefix, IgnoreUnexpected = registration.IgnoreOnLoad,
        });
        return (model, report);
    }

    // Exactly one of inputIds / inputsEmbeds is set.
    private Tensor Encode(Tensor? inputIds, Tensor? inputsEmbeds, Tensor? attentionMask, Tensor? tokenTypeIds)
    {
        using var scope = NewDisposeScope();
        var shape = (inputIds ?? inputsEmbeds!).shape;
        var (batch, length) = (shape[0], shape[1]);
        // Only the absolute table limits the length: relative distances are clamped (or bucketed), as in transformers.
        if (Config.PositionBiasedInput && length > Config.MaxPositionEmbeddings)
            throw new ArgumentException($"The input has {length} tokens but this DeBERTa has only {Config.MaxPositionEmbeddings} position embeddings (max_position_embeddings); truncate the input.");
        var device = (inputIds ?? inputsEmbeds!).device;
        var mask = attentionMask?.to(device);
        var positions = Config.PositionBiasedInput ? AttentionMasks.EncoderPositionIds(mask, batch, length, device) : null;
        var tokenTypes = Config.TypeVocabSize > 0 ? tokenTypeIds?.to(device) ?? zeros(batch, length, dtype: ScalarType.Int64, device: device) : null;
        var hidden = embeddings.forward(inputIds, inputsEmbeds, tokenTypes, positions, mask);
        return encoder.forward(hidden, mask).MoveToOuterDisposeScope();
    }
}

/// <summary>Words (+ positions) (+ token types) → embed_proj → LayerNorm → × mask → dropout (transformers' DebertaV2Embeddings).</summary>
internal sealed class DebertaV2Embeddings : nn.Module
{
    private readonly Embedding word_embeddings;
    private readonly Embedding? position_embeddings;
    private readonly Embedding? token_type_embeddings;
    private readonly Linear? embed_proj;
    private readonly LayerNorm LayerNorm;
    private readonly ParallelDropout dropout;

    public DebertaV2Embeddings(DebertaV2Config config) : base(nameof(DebertaV2Embeddings))
    {
        var width = config.EmbeddingWidth;
        word_embeddings = config.PadTokenId is { } pad ? nn.Embedding(config.VocabSize, width, padding_idx: pad) : nn.Embedding(config.VocabSize, width);
        position_embeddings = config.PositionBiasedInput ? nn.Embedding(config.MaxPositionEmbeddings, width) : null;
        token_type_embeddings = config.TypeVocabSize > 0 ? nn.Embedding(config.TypeVocabSize, width) : null;
        embed_proj = width != config.HiddenSize ? nn.Linear(width, config.HiddenSize, hasBias: false) : null;
        LayerNorm = nn.LayerNorm(config.HiddenSize, eps: config.LayerNormEps);
        dropout = new ParallelDropout(config.HiddenDropoutProb);
        RegisterComponents();
    }

    public Embedding WordEmbeddings => word_embeddings;

    /// <param name="inputIds">Token ids, or null when <paramref name="inputsEmbeds"/> gives the word embeddings.</param>
    /// <param name="inputsEmbeds">Word embeddings [B, T, embedding width], or null.</param>
    /// <param name="tokenTypeIds">Segment ids; null exactly when there is no token-type table.</param>
    /// <param name="positionIds">Absolute positions; null exactly when there is no position table.</param>
    /// <param name="attentionMask">[B, T] 1 for real tokens; padded positions leave the embeddings as zeros (null: none).</param>
    public Tensor forward(Tensor? inputIds, Tensor? inputsEmbeds, Tensor? tokenTypeIds, Tensor? positionIds, Tensor? attentionMask)
    {
        using var scope = NewDisposeScope();
        // transformers' order of additions: words, positions, token types.
        var sum = inputsEmbeds ?? word_embeddings.call(inputIds!);
        if (position_embeddings is not null) sum = sum + position_embeddings.call(positionIds!);
        if (token_type_embeddings is not null) sum = sum + token_type_embeddings.call(tokenTypeIds!);
        if (embed_proj is not null) sum = embed_proj.call(sum);
        var normalized = LayerNorm.call(sum);
        if (attentionMask is not null) normalized = normalized * attentionMask.unsqueeze(-1).to_type(normalized.dtype);
        return dropout.call(normalized).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// The layers, the relative embeddings they share (<c>rel_embeddings</c>, <c>LayerNorm</c>) and the optional convolution
/// (<c>conv</c>) after the first layer (transformers' DebertaV2Encoder).
/// </summary>
internal sealed class DebertaV2Encoder : nn.Module
{
    private readonly ModuleList<DebertaV2Layer> layer;
    private readonly Embedding? rel_embeddings;
    private readonly LayerNorm? LayerNorm;
    private readonly DebertaV2ConvLayer? conv;
    private readonly DebertaV2Config config;

    public DebertaV2Encoder(DebertaV2Config config) : base(nameof(DebertaV2Encoder))
    {
        this.config = config;
        layer = nn.ModuleList(Enumerable.Range(0, config.NumHiddenLayers).Select(_ => new DebertaV2Layer(config)).ToArray());
        rel_embeddings = config.RelativeAttention ? nn.Embedding(2 * config.AttentionSpan, config.HiddenSize) : null;
        // transformers builds this LayerNorm whenever norm_rel_ebd says so, with or without relative attention.
        LayerNorm = config.NormalizesRelativeEmbeddings ? nn.LayerNorm(config.HiddenSize, eps: config.LayerNormEps) : null;
        conv = config.ConvKernelSize > 0 ? new DebertaV2ConvLayer(config) : null;
        RegisterComponents();
    }

    /// <summary>Recompute each layer but the last in the backward pass instead of keeping its activations (see <see cref="GradientCheckpoint"/>).</summary>
    public bool GradientCheckpointing { get; set; }

    /// <param name="hidden">The embeddings' output [B, T, hidden].</param>
    /// <param name="attentionMask">[B, T] 1 for real tokens, or null for no padding.</param>
    public Tensor forward(Tensor hidden, Tensor? attentionMask)
    {
        using var scope = NewDisposeScope();
        var (batch, length) = (hidden.shape[0], hidden.shape[1]);
        Tensor? keyBlocked = null, queryKept = null;
        if (attentionMask is not null)
        {
            var real = attentionMask.ne(0);
            // Added to the scores rather than masked_fill'ed: the same probabilities (a padded key's exp(min − max)
            // underflows to exactly 0, transformers' XSoftmax), and an addition's backward is free.
            keyBlocked = zeros(batch, 1, 1, length, dtype: hidden.dtype, device: hidden.device)
                .masked_fill_(real.logical_not().view(batch, 1, 1, length), finfo(hidden.dtype).min);
            queryKept = real.to_type(hidden.dtype).view(batch, 1, length, 1);
        }
        var (c2p, p2c, rows) = rel_embeddings is not null ? RelativeIndices(length, hidden.device) : (null, null, default);
        for (var i = 0; i < layer.Count; i++)
        {
            var index = i; // the checkpointed segment runs again during backward, after the loop has moved on
            // Masks and indices are constants of the segment (see GradientCheckpoint).
            hidden = GradientCheckpoint.AppliesTo(GradientCheckpointing, this, i, layer.Count)
                ? GradientCheckpoint.Run((h, c) => Step(index, h, c[0], c[1], c[2], c[3], c[4], rows), hidden, [keyBlocked, queryKept, c2p, p2c, attentionMask], layer[i])
                : Step(i, hidden, keyBlocked, queryKept, c2p, p2c, attentionMask, rows);
        }
        return hidden.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Layer <paramref name="index"/>, and after the first one the convolution, which reads that layer's input too: in one
    /// segment, the input's gradient sums its uses in the same order with and without checkpointing.
    /// </summary>
    private Tensor Step(int index, Tensor hidden, Tensor? keyBlocked, Tensor? queryKept, Tensor? c2p, Tensor? p2c, Tensor? attentionMask,
        (long First, long Count) rows)
    {
        using var scope = NewDisposeScope();
        // Each layer normalises the relative table itself (transformers does it once; the table is only 2·span rows): the
        // table trains, so a checkpointed layer cannot take it as a constant and must recompute it from the parameters,
        // and doing the same in every layer keeps the gradients with and without checkpointing identical.
        var output = layer[index].forward(hidden, keyBlocked, queryKept, c2p, p2c, RelativeEmbeddings(rows));
        if (index == 0 && conv is not null) output = conv.forward(hidden, output, attentionMask);
        return output.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The rows <paramref name="rows"/> of rel_embeddings' table, through LayerNorm when norm_rel_ebd asks for it (row by
    /// row, so normalising the slice is normalising the table and slicing); null without relative attention.
    /// </summary>
    private Tensor? RelativeEmbeddings((long First, long Count) rows)
    {
        if (rel_embeddings is null) return null;
        var table = rel_embeddings.weight!.narrow(0, rows.First, rows.Count);
        return LayerNorm is null ? table : LayerNorm.call(table);
    }

    /// <summary>
    /// The rows of the relative table each (query i, key j) reads, [1, 1, T, T]: content→position reads span + δ(i − j),
    /// position→content span − δ(i − j), clamped to the table, where δ is the plain distance or its log bucket
    /// (transformers' build_relative_position and the clamps of disentangled_attention_bias). The indices are returned
    /// relative to the first row they use, with the rows' range: an input of T tokens reads at most 2T − 1 of the 2·span
    /// rows (99 of 512 for 50 tokens and 256 buckets), so the attention projects and scores only those, the same numbers
    /// as transformers' product with every row followed by the gather, for a fraction of the work.
    /// </summary>
    private (Tensor C2p, Tensor P2c, (long First, long Count) Rows) RelativeIndices(long length, Device device)
    {
        using var scope = NewDisposeScope();
        var ids = arange(length, dtype: ScalarType.Int64, device: device);
        var relative = ids.view(-1, 1) - ids.view(1, -1);
        if (config.PositionBuckets > 0) relative = DebertaV2RelativePositions.LogBucket(relative, config.PositionBuckets, config.EffectiveMaxRelativePositions);
        long span = config.AttentionSpan;
        var c2p = (relative + span).clamp(0, 2 * span - 1).view(1, 1, length, length);
        var p2c = (span - relative).clamp(0, 2 * span - 1).view(1, 1, length, length);
        var first = Math.Min(c2p.min().item<long>(), p2c.min().item<long>());
        var last = Math.Max(c2p.max().item<long>(), p2c.max().item<long>());
        return ((c2p - first).MoveToOuterDisposeScope(), (p2c - first).MoveToOuterDisposeScope(), (first, last - first + 1));
    }
}

/// <summary>transformers' relative positions of DeBERTa-v2/v3 (build_relative_position and make_log_bucket_position).</summary>
public static class DebertaV2RelativePositions
{
    /// <summary>
    /// transformers' make_log_bucket_position: distances (query − key) below <paramref name="bucketSize"/>/2 stay as they
    /// are; longer ones map to sign · (mid + ⌈log(|d| / mid) / log((maxPosition − 1) / mid) · (mid − 1)⌉) with mid =
    /// bucketSize/2. Computed in float32 as there, so the bucket edges fall on the same distances.
    /// </summary>
    /// <param name="relative">int64 distances.</param>
    /// <param name="bucketSize">position_buckets.</param>
    /// <param name="maxPosition">max_relative_positions (max_position_embeddings when that is below 1).</param>
    /// <returns>int64 bucketed distances, the shape of <paramref name="relative"/>.</returns>
    public static Tensor LogBucket(Tensor relative, int bucketSize, int maxPosition)
    {
        using var scope = NewDisposeScope();
        var mid = bucketSize / 2;
        var sign = relative.sign();
        var near = relative.lt(mid).logical_and(relative.gt(-mid));
        var absolute = where(near, full_like(relative, mid - 1), relative.abs());
        var ratio = tensor((float)((maxPosition - 1) / (double)mid), dtype: ScalarType.Float32, device: relative.device).log();
        var logPosition = ((absolute.to_type(ScalarType.Float32) / mid).log() / ratio * (mid - 1)).ceil() + mid;
        var bucket = where(absolute.le(mid), relative.to_type(ScalarType.Float32), logPosition * sign);
        return bucket.to_type(ScalarType.Int64).MoveToOuterDisposeScope();
    }
}

/// <summary>attention (disentangled self-attention + BERT's residual block), intermediate, output: BERT's layer shape.</summary>
internal sealed class DebertaV2Layer : nn.Module
{
    private readonly DebertaV2Attention attention;
    private readonly BertIntermediate intermediate;
    private readonly BertResidualBlock output;

    public DebertaV2Layer(DebertaV2Config config) : base(nameof(DebertaV2Layer))
    {
        attention = new DebertaV2Attention(config);
        intermediate = new BertIntermediate(config.HiddenSize, config.IntermediateSize, config.HiddenAct);
        output = new BertResidualBlock(config.IntermediateSize, config.HiddenSize, config.LayerNormEps, config.HiddenDropoutProb);
        RegisterComponents();
    }

    public Tensor forward(Tensor hidden, Tensor? keyBlocked, Tensor? queryKept, Tensor? c2p, Tensor? p2c, Tensor? relative)
    {
        using var scope = NewDisposeScope();
        var attended = attention.forward(hidden, keyBlocked, queryKept, c2p, p2c, relative);
        return output.forward(intermediate.call(attended), attended).MoveToOuterDisposeScope();
    }
}

/// <summary>self (the disentangled attention) then output (dense → dropout → LayerNorm with the residual).</summary>
internal sealed class DebertaV2Attention : nn.Module
{
    private readonly DisentangledSelfAttention self;
    private readonly BertResidualBlock output;

    public DebertaV2Attention(DebertaV2Config config) : base(nameof(DebertaV2Attention))
    {
        self = new DisentangledSelfAttention(config);
        output = new BertResidualBlock(config.HiddenSize, config.HiddenSize, config.LayerNormEps, config.HiddenDropoutProb);
        RegisterComponents();
    }

    public Tensor forward(Tensor hidden, Tensor? keyBlocked, Tensor? queryKept, Tensor? c2p, Tensor? p2c, Tensor? relative)
    {
        using var scope = NewDisposeScope();
        return output.forward(self.forward(hidden, keyBlocked, queryKept, c2p, p2c, relative), hidden).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// transformers' DisentangledSelfAttention: query_proj, key_proj, value_proj, and without share_att_key pos_key_proj (c2p)
/// and pos_query_proj (p2c) for the relative embeddings.
/// </summary>
internal sealed class DisentangledSelfAttention : nn.Module
{
    private readonly Linear query_proj;
    private readonly Linear key_proj;
    private readonly Linear value_proj;
    private readonly Linear? pos_key_proj;
    private readonly Linear? pos_query_proj;
    private readonly int heads;
    private readonly int headDim;
    private readonly bool relativeAttention;
    private readonly bool contentToPosition;
    private readonly bool positionToContent;
    private readonly bool shareAttKey;
    private readonly double scale;
    private readonly double attentionDropout;
    private readonly double positionDropout;

    public DisentangledSelfAttention(DebertaV2Config config) : base(nameof(DisentangledSelfAttention))
    {
        heads = config.NumAttentionHeads;
        headDim = config.HeadDim;
        var all = heads * headDim;
        query_proj = nn.Linear(config.HiddenSize, all);
        key_proj = nn.Linear(config.HiddenSize, all);
        value_proj = nn.Linear(config.HiddenSize, all);
        relativeAttention = config.RelativeAttention;
        contentToPosition = config.ContentToPosition;
        positionToContent = config.PositionToContent;
        shareAttKey = config.ShareAttKey;
        if (relativeAttention && !shareAttKey)
        {
            if (contentToPosition) pos_key_proj = nn.Linear(config.HiddenSize, all);
            if (positionToContent) pos_query_proj = nn.Linear(config.HiddenSize, all);
        }
        // One divisor for the three terms: transformers divides each by the same √(head size · scale factor).
        scale = Math.Sqrt((double)headDim * config.ScaleFactor);
        attentionDropout = config.AttentionProbsDropoutProb;
        // transformers' pos_dropout on the relative embeddings takes hidden_dropout_prob.
        positionDropout = config.HiddenDropoutProb;
        RegisterComponents();
    }

    /// <param name="hidden">[B, T, hidden].</param>
    /// <param name="keyBlocked">[B, 1, 1, T] the most negative float at padded keys and 0 at real ones, or null.</param>
    /// <param name="queryKept">[B, 1, T, 1] 1 at real queries and 0 at padded ones, or null.</param>
    /// <param name="c2p">[1, 1, T, T] relative-table rows for content→position (null without relative attention).</param>
    /// <param name="p2c">[1, 1, T, T] relative-table rows for position→content.</param>
    /// <param name="relative">The relative embeddings [2·span, hidden] (null without relative attention).</param>
    public Tensor forward(Tensor hidden, Tensor? keyBlocked, Tensor? queryKept, Tensor? c2p, Tensor? p2c, Tensor? relative)
    {
        using var scope = NewDisposeScope();
        var (batch, length) = (hidden.shape[0], hidden.shape[1]);
        Tensor SplitHeads(Tensor x) => x.view(batch, length, heads, headDim).transpose(1, 2); // [B, A, T, D]
        // The relative terms are products of every token with the same few position rows: per head, one matrix product
        // [B·T, D] × [D, rows] instead of B small ones broadcast over the batch (whose backward also has to sum B copies).
        Tensor PerHead(Tensor x) => x.view(batch * length, heads, headDim).transpose(0, 1); // [A, B·T, D]
        // The one divisor goes on the queries (and on the position queries of p2c), which are smaller than the scores.
        var queries = query_proj.call(hidden) / scale;
        var keys = key_proj.call(hidden);
        var q = SplitHeads(queries);
        var k = SplitHeads(keys);
        var v = SplitHeads(value_proj.call(hidden));
        var scores = matmul(q, k.transpose(-1, -2));
        if (relativeAttention && relative is not null && (contentToPosition || positionToContent))
        {
            var positions = ParallelDropout.Apply(relative, positionDropout, training); // [rows used (≤ 2S), hidden]
            var count = positions.shape[0];
            Tensor Rows(Tensor x) => x.view(count, heads, headDim).permute(1, 2, 0); // [A, D, rows]
            var perHead = new long[] { heads, batch, length, length };
            if (contentToPosition)
            {
                // c2p[i, j] = q_i · pk[c2p[i, j]]
                var positionKeys = (shareAttKey ? key_proj : pos_key_proj!).call(positions);
                var perQuery = bmm(PerHead(queries), Rows(positionKeys)).view(heads, batch, length, count);
                scores.add_(perQuery.gather(-1, c2p!.expand(perHead)).permute(1, 0, 2, 3));
            }
            if (positionToContent)
            {
                // p2c[i, j] = k_j · pq[p2c[j, i]]: gathered per key, then transposed to [query, key].
                var positionQueries = (shareAttKey ? query_proj : pos_query_proj!).call(positions) / scale;
                var perKey = bmm(PerHead(keys), Rows(positionQueries)).view(heads, batch, length, count);
                scores.add_(perKey.gather(-1, p2c!.expand(perHead)).permute(1, 0, 3, 2));
            }
        }
        // XSoftmax: padded keys get exactly 0 (keyBlocked adds the most negative float, whose exp underflows); a padded
        // query's row is zeroed below, on its context, which is the same as transformers zeroing its probabilities.
        if (keyBlocked is not null) scores.add_(keyBlocked);
        var probabilities = ParallelDropout.Apply(scores.softmax(-1), attentionDropout, training);
        var context = matmul(probabilities, v);
        if (queryKept is not null) context = context * queryKept;
        return context.transpose(1, 2).reshape(batch, length, heads * headDim).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// transformers' ConvLayer (conv_kernel_size &gt; 0): a 1-D convolution over the embeddings, padding zeroed, then
/// conv_act(dropout(·)) added to the first layer's output, LayerNorm, padding zeroed again.
/// </summary>
internal sealed class DebertaV2ConvLayer : nn.Module
{
    private readonly Conv1d conv;
    private readonly LayerNorm LayerNorm;
    private readonly ParallelDropout dropout;
    private readonly string activation;

    public DebertaV2ConvLayer(DebertaV2Config config) : base(nameof(DebertaV2ConvLayer))
    {
        var kernel = config.ConvKernelSize;
        conv = nn.Conv1d(config.HiddenSize, config.HiddenSize, kernel, padding: (kernel - 1) / 2, groups: config.ConvGroups);
        LayerNorm = nn.LayerNorm(config.HiddenSize, eps: config.LayerNormEps);
        dropout = new ParallelDropout(config.HiddenDropoutProb);
        activation = config.ConvAct;
        RegisterComponents();
    }

    /// <param name="embedded">The first layer's input [B, T, hidden].</param>
    /// <param name="residual">The first layer's output.</param>
    /// <param name="attentionMask">[B, T] 1 for real tokens, or null.</param>
    public Tensor forward(Tensor embedded, Tensor residual, Tensor? attentionMask)
    {
        using var scope = NewDisposeScope();
        var convolved = conv.call(embedded.permute(0, 2, 1)).permute(0, 2, 1);
        var kept = attentionMask?.ne(0).unsqueeze(-1);
        if (kept is not null) convolved = convolved.masked_fill(kept.logical_not(), 0);
        var output = LayerNorm.call(residual + DebertaV2Config.Activate(activation, dropout.call(convolved)));
        if (kept is not null) output = output * kept.to_type(output.dtype);
        return output.MoveToOuterDisposeScope();
    }
}
