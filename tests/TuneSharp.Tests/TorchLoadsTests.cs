using TorchSharp;
using static TorchSharp.torch;

namespace TuneSharp.Tests;

/// <summary>libtorch loads on this machine (after the libstdc++ fix) and computes correctly.</summary>
public class TorchLoadsTests
{
    [Fact]
    public void MatmulMatchesHandComputedResult()
    {
        using var a = tensor(new float[] { 1, 2, 3, 4, 5, 6 }, new long[] { 2, 3 });
        using var b = tensor(new float[] { 7, 8, 9, 10, 11, 12 }, new long[] { 3, 2 });
        using var c = matmul(a, b);
        // [1 2 3; 4 5 6] x [7 8; 9 10; 11 12] = [58 64; 139 154]
        Assert.Equal(new float[] { 58, 64, 139, 154 }, c.data<float>().ToArray());
    }

    [Fact]
    public void EnsureLoadedReturnsWhereLibtorchLoads()
    {
        // The failure path (an unpatched output folder) is run by Packaging/ConsumerAppTests.
        TuneSharp.TorchRuntime.EnsureLoaded();
        TuneSharp.TorchRuntime.EnsureLoaded();
    }
}
