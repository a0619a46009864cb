namespace TuneSharp.Tokenization;

/// <summary>The special tokens a tokenizer knows, as strings and ids (null when the model has none).</summary>
public sealed record SpecialTokens
{
    public string? Unk { get; init; }
    public string? Pad { get; init; }
    public string? Cls { get; init; }
    public string? Sep { get; init; }
    public string? Mask { get; init; }
    public string? Bos { get; init; }
    public string? Eos { get; init; }
    public int? UnkId { get; init; }
    public int? PadId { get; init; }
    public int? ClsId { get; init; }
    public int? SepId { get; init; }
    public int? MaskId { get; init; }
    public int? BosId { get; init; }
    public int? EosId { get; init; }
}
