using TorchSharp;
using static TorchSharp.torch;

namespace TuneSharp.Tests.Checkpoints;

/// <summary>Builds tensors from exact bit patterns and reads their raw bytes, for bit-exact assertions.</summary>
internal static class TensorTestUtil
{
    public static Tensor FromBits(ushort[] bits, ScalarType dtype, params long[] shape)
    {
        var t = empty(shape.Length == 0 ? [bits.Length] : shape, dtype);
        RawSafeTensors.UInt16s(bits).CopyTo(t.bytes);
        return t;
    }

    public static byte[] Bytes(Tensor t)
    {
        using var c = t.contiguous();
        return c.bytes.ToArray();
    }

    public static int[] FloatBits(Tensor t) => t.data<float>().ToArray().Select(BitConverter.SingleToInt32Bits).ToArray();

    public static void DisposeAll(IEnumerable<Tensor> tensors)
    {
        foreach (var t in tensors) t.Dispose();
    }
}
