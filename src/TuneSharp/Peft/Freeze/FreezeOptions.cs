namespace TuneSharp.Peft.Freeze;

/// <summary>Which parts of a classifier to freeze (requires_grad = false); everything else keeps its current setting.</summary>
public sealed record FreezeOptions
{
    /// <summary>Freeze the embeddings (BERT <c>*.embeddings.*</c>, Llama <c>*.embed_tokens.*</c>, GPT-NeoX <c>*.embed_in.*</c>).</summary>
    public bool FreezeEmbeddings { get; init; }

    /// <summary>Freeze the first N transformer layers (BERT <c>encoder.layer.{i}.</c>, Llama <c>layers.{i}.</c>, i &lt; N).</summary>
    public int FreezeLayers { get; init; }

    /// <summary>Freeze everything except the classification head (<c>classifier.*</c> / <c>score.*</c>).</summary>
    public bool TrainOnlyHead { get; init; }
}
