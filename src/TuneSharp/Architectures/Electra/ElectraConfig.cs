using System.Text.Json.Nodes;
using TuneSharp.Architectures.Bert;
using TuneSharp.Models;

namespace TuneSharp.Architectures.Electra;

/// <summary>
/// Config of an ELECTRA discriminator (<c>model_type: "electra"</c>): BERT's fields (<see cref="BertConfig"/>) with
/// transformers' ElectraConfig defaults (ELECTRA-small: hidden 256, 4 heads, intermediate 1024) and
/// <c>embedding_size</c>, the embeddings' own width (128), projected to hidden_size when they differ.
/// </summary>
public sealed class ElectraConfig : BertConfig
{
    public ElectraConfig()
    {
        HiddenSize = 256;
        NumAttentionHeads = 4;
        IntermediateSize = 1024;
    }

    /// <inheritdoc/>
    public override string ModelType => "electra";

    /// <summary>Width of the embeddings (<c>embedding_size</c>); an <c>embeddings_project</c> Linear maps it to hidden_size when different.</summary>
    public int EmbeddingSize { get; set; } = 128;

    protected override void ReadFields(ConfigReader r)
    {
        base.ReadFields(r);
        EmbeddingSize = r.Int("embedding_size", EmbeddingSize);
    }

    protected override void WriteFields(JsonObject json)
    {
        base.WriteFields(json);
        json["embedding_size"] = EmbeddingSize;
    }

    protected override void Validate(ConfigReader r)
    {
        base.Validate(r);
        if (EmbeddingSize <= 0) throw r.Error("embedding_size", $"must be positive, got {EmbeddingSize}");
    }
}
