namespace TuneSharp.Checkpoints;

/// <summary>
/// One tensor entry of a safetensors header. <paramref name="DType"/> is spelled as in the file
/// ("F32", "F16", "BF16", "F64", "I64", "I32", "I16", "I8", "U8", "BOOL"); <paramref name="Begin"/> and
/// <paramref name="End"/> are byte offsets relative to the start of the data section.
/// </summary>
public sealed record SafeTensorInfo(string Name, string DType, long[] Shape, long Begin, long End);

/// <summary>
/// The parsed, validated header of a safetensors file: its tensors (in header order), its
/// <c>__metadata__</c> strings, and the absolute file offset where the data section starts (8 + header length).
/// </summary>
public sealed record SafeTensorsHeader(
    string Path,
    IReadOnlyList<SafeTensorInfo> Tensors,
    IReadOnlyDictionary<string, string> Metadata,
    long DataOffset);
