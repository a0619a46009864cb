using TorchSharp;

namespace TuneSharp.Checkpoints;

/// <summary>The safetensors dtype names this library reads and writes, and their torch types and sizes.</summary>
internal static class SafeTensorsDTypes
{
    private static readonly (string Name, torch.ScalarType Type, int Size)[] Table =
    [
        ("F64", torch.ScalarType.Float64, 8),
        ("F32", torch.ScalarType.Float32, 4),
        ("F16", torch.ScalarType.Float16, 2),
        ("BF16", torch.ScalarType.BFloat16, 2),
        ("I64", torch.ScalarType.Int64, 8),
        ("I32", torch.ScalarType.Int32, 4),
        ("I16", torch.ScalarType.Int16, 2),
        ("I8", torch.ScalarType.Int8, 1),
        ("U8", torch.ScalarType.Byte, 1),
        ("BOOL", torch.ScalarType.Bool, 1),
    ];

    public static string SupportedList { get; } = string.Join(", ", Table.Select(e => e.Name));

    public static bool TryGetSize(string name, out int size)
    {
        foreach (var e in Table)
            if (e.Name == name) { size = e.Size; return true; }
        size = 0;
        return false;
    }

    public static torch.ScalarType ToScalarType(string name)
    {
        foreach (var e in Table)
            if (e.Name == name) return e.Type;
        throw new ArgumentException($"Unknown safetensors dtype '{name}'.", nameof(name));
    }

    public static bool TryGetName(torch.ScalarType type, out string name)
    {
        foreach (var e in Table)
            if (e.Type == type) { name = e.Name; return true; }
        name = "";
        return false;
    }

    public static bool IsFloating(torch.ScalarType type) =>
        type is torch.ScalarType.Float64 or torch.ScalarType.Float32 or torch.ScalarType.Float16 or torch.ScalarType.BFloat16;

    /// <summary>Shapes print like PyTorch's: [30522, 384].</summary>
    public static string FormatShape(IEnumerable<long> shape) => "[" + string.Join(", ", shape) + "]";
}
