using TuneSharp.Architectures.Bert;

namespace TuneSharp.Architectures.Roberta;

/// <summary>
/// Config of a RoBERTa-family encoder: <c>model_type</c> "roberta", "xlm-roberta" or "camembert", which transformers
/// builds from the same code under different class names. The fields are BERT's (<see cref="BertConfig"/>), with
/// transformers' RobertaConfig defaults for the special tokens: pad 1, bos 0, eos 2.
/// </summary>
/// <remarks>
/// RoBERTa numbers positions from <c>pad_token_id + 1</c> (padding itself takes position <c>pad_token_id</c>), so a
/// checkpoint with <c>max_position_embeddings</c> 514 and pad 1 takes 512 tokens: <see cref="MaxPositions"/>.
/// </remarks>
public sealed class RobertaConfig : BertConfig
{
    /// <summary>A config with transformers' defaults for <paramref name="modelType"/> ("roberta", "xlm-roberta", "camembert").</summary>
    public RobertaConfig(string modelType = "roberta")
    {
        ModelType = modelType;
        PadTokenId = 1;
        BosTokenId = 0;
        EosTokenIds = [2];
        // RobertaConfig's default vocabulary is GPT-2's byte-level BPE; XLM-R's and CamemBERT's keep BertConfig's.
        if (modelType == "roberta") VocabSize = 50265;
    }

    /// <inheritdoc/>
    public override string ModelType { get; }

    /// <summary>The first position a real token takes: <c>pad_token_id + 1</c> (transformers' create_position_ids_from_input_ids).</summary>
    public int FirstPosition => (PadTokenId ?? 1) + 1;

    /// <summary>Tokens one input can hold: the position table less the rows below <see cref="FirstPosition"/>.</summary>
    public override int MaxPositions => MaxPositionEmbeddings - FirstPosition;

    /// <inheritdoc/>
    public override string MaxPositionsSource => "max_position_embeddings less pad_token_id + 1";

    /// <inheritdoc/>
    protected override void Validate(Models.ConfigReader r)
    {
        base.Validate(r);
        if (PadTokenId is null or < 0)
            throw r.Error("pad_token_id", "must be set: RoBERTa numbers positions from pad_token_id + 1");
        if (MaxPositions < 1)
            throw r.Error("max_position_embeddings", $"({MaxPositionEmbeddings}) leaves no position after pad_token_id + 1 ({FirstPosition})");
    }
}
