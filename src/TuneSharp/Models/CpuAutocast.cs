using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace TuneSharp.Models;

/// <summary>
/// libtorch's own CPU autocast (what <c>torch.autocast("cpu", dtype=torch.bfloat16)</c> switches on) for the code run
/// while the scope is open on this thread (gradient checkpointing re-enters it for its recomputation): matrix products (linear, matmul, bmm, attention) run in bf16 on bf16 copies
/// of the fp32 weights, numerically sensitive operations (losses, reductions) stay fp32, and gradients reach the fp32
/// parameters through the casts. The parameters, the optimizer state and the checkpoints stay fp32, so the fp32
/// parameters are the master weights.
/// </summary>
/// <remarks>
/// TorchSharp 0.107 has no autocast, but libtorch exports its switches as plain C++ functions of enums and a bool,
/// which the Itanium C++ ABI passes like C arguments; they are bound here by their mangled names, so the op lists
/// and casting rules are libtorch's, not a copy. Where the symbols cannot be found (another ABI or libtorch build)
/// <see cref="IsAvailable"/> is false and <see cref="Enter"/> says so.
/// </remarks>
public sealed class CpuAutocast : IDisposable
{
    private const sbyte CpuDevice = 0; // c10::DeviceType::CPU
    private readonly bool _previousEnabled;
    private readonly sbyte _previousDtype;
    private bool _disposed;

    private CpuAutocast(ScalarType dtype, bool enabled = true)
    {
        _previousEnabled = Native.IsEnabled(CpuDevice);
        _previousDtype = Native.GetDtype(CpuDevice);
        Native.SetDtype(CpuDevice, (sbyte)dtype);
        Native.SetEnabled(CpuDevice, enabled);
        Native.IncrementNesting();
    }

    /// <summary>True when libtorch's autocast switches were found in the loaded native library.</summary>
    public static bool IsAvailable { get; } = Probe();

    /// <summary>The dtype autocast casts to on this thread right now, or null when it is off (or unavailable).</summary>
    public static ScalarType? ActiveDtype => IsAvailable && Native.IsEnabled(CpuDevice) ? (ScalarType)Native.GetDtype(CpuDevice) : null;

    /// <summary>Opens an autocast scope for <paramref name="dtype"/> (bf16 by default) on this thread; dispose to close it.</summary>
    /// <exception cref="TuneSharpException">The loaded libtorch does not export the autocast switches.</exception>
    public static CpuAutocast Enter(ScalarType dtype = ScalarType.BFloat16)
    {
        if (!IsAvailable)
            throw new TuneSharpException("bf16 autocast is not available: the loaded libtorch does not export at::autocast's switches (Linux/macOS builds of libtorch 2.x do).");
        return new CpuAutocast(dtype);
    }

    /// <summary>
    /// Turns autocast off on this thread until disposed, inside an open autocast scope (PyTorch's
    /// <c>autocast(enabled=False)</c>), for code that must compute in full precision (GPT-2's reorder_and_upcast_attn);
    /// null, and nothing to undo, when autocast is not on.
    /// </summary>
    internal static CpuAutocast? Suspend() => ActiveDtype is { } dtype ? new CpuAutocast(dtype, enabled: false) : null;

    /// <summary>Closes the scope: the previous autocast state comes back, and the outermost scope drops libtorch's cache of bf16 weight copies (the weights change at the next optimizer step).</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (Native.DecrementNesting() == 0) Native.ClearCache();
        Native.SetEnabled(CpuDevice, _previousEnabled);
        Native.SetDtype(CpuDevice, _previousDtype);
    }

    private static bool Probe()
    {
        try
        {
            using (zeros(1)) { } // loads libtorch through TorchSharp first, so the lookup below finds the already loaded library
            _ = Native.IsEnabled(CpuDevice);
            _ = Native.GetDtype(CpuDevice);
            return true;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    private static class Native
    {
        private const string Library = "libtorch_cpu";

        [DllImport(Library, EntryPoint = "_ZN2at8autocast20set_autocast_enabledEN3c1010DeviceTypeEb")]
        public static extern void SetEnabled(sbyte device, [MarshalAs(UnmanagedType.I1)] bool enabled);

        [DllImport(Library, EntryPoint = "_ZN2at8autocast19is_autocast_enabledEN3c1010DeviceTypeE")]
        [return: MarshalAs(UnmanagedType.I1)]
        public static extern bool IsEnabled(sbyte device);

        [DllImport(Library, EntryPoint = "_ZN2at8autocast18set_autocast_dtypeEN3c1010DeviceTypeENS1_10ScalarTypeE")]
        public static extern void SetDtype(sbyte device, sbyte dtype);

        [DllImport(Library, EntryPoint = "_ZN2at8autocast18get_autocast_dtypeEN3c1010DeviceTypeE")]
        public static extern sbyte GetDtype(sbyte device);

        [DllImport(Library, EntryPoint = "_ZN2at8autocast17increment_nestingEv")]
        public static extern long IncrementNesting();

        [DllImport(Library, EntryPoint = "_ZN2at8autocast17decrement_nestingEv")]
        public static extern long DecrementNesting();

        [DllImport(Library, EntryPoint = "_ZN2at8autocast11clear_cacheEv")]
        public static extern void ClearCache();
    }
}
