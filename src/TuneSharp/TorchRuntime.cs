using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TorchSharp;

namespace TuneSharp;

/// <summary>
/// Loads libtorch (TorchSharp's native backend) and, where that fails because the system libstdc++ is too old
/// for TorchSharp's native wrapper and TuneSharp's build fix was not applied to the program's output folder,
/// says how to fix it instead of TorchSharp's generic "doesn't contain a reference to libtorch-cpu" error.
/// TuneSharp's model-loading and training entry points call <see cref="EnsureLoaded"/> first; call it yourself
/// before your own first TorchSharp call to get the same message.
/// </summary>
public static class TorchRuntime
{
    private const string ShimName = "libtunesharp_iosinit.so";
    private static volatile bool _loaded;

    /// <summary>Initialises TorchSharp's native backend once; later calls return at once.</summary>
    /// <exception cref="TuneSharpException">
    /// TorchSharp's native library cannot be loaded because the system libstdc++ lacks the symbol versions it
    /// needs (GLIBCXX_3.4.32, Debian 12 and older) and it was not patched; the message names the fix.
    /// </exception>
    /// <exception cref="TypeInitializationException">libtorch failed to load for another reason (TorchSharp's own message).</exception>
    public static void EnsureLoaded()
    {
        if (_loaded) return;
        try
        {
            RuntimeHelpers.RunClassConstructor(typeof(torch).TypeHandle);
        }
        catch (TypeInitializationException e) when (LibStdCxxLoadError() is { } reason)
        {
            throw new TuneSharpException(FixMessage(reason), e);
        }
        _loaded = true;
    }

    /// <summary>
    /// The loader's own complaint about libLibTorchSharp.so when it is about libstdc++ symbol versions or the
    /// fix's missing shim; null when the library loads or fails for another reason. TorchSharp swallows this
    /// text, so ask the loader again the way TorchSharp's first attempt does (by name, beside TorchSharp.dll).
    /// </summary>
    private static string? LibStdCxxLoadError()
    {
        if (!OperatingSystem.IsLinux()) return null;
        try
        {
            NativeLibrary.Load("LibTorchSharp", typeof(torch).Assembly, null);
            return null;
        }
        catch (DllNotFoundException e)
        {
            return e.Message.Split('\n').Select(l => l.Trim())
                .FirstOrDefault(l => l.Contains("GLIBCXX_", StringComparison.Ordinal) || l.Contains(ShimName, StringComparison.Ordinal));
        }
    }

    private static string FixMessage(string reason)
    {
        var folder = Path.GetDirectoryName(typeof(torch).Assembly.Location) ?? AppContext.BaseDirectory;
        return "TorchSharp's native library (libLibTorchSharp.so) cannot be loaded: " + reason + "\n" +
               "The system libstdc++ is older than GCC 13's, and TuneSharp's fix was not applied to " + folder + ". " +
               "The build applies it to your output folder when your project references the TuneSharp NuGet package, or, " +
               "for a ProjectReference to src/TuneSharp/TuneSharp.csproj, when your project file also has " +
               "<Import Project=\"PATH-TO-TuneSharp/build/TuneSharp.targets\" />. It needs patchelf and g++ " +
               "(sudo apt-get install patchelf g++); then rebuild. To patch a folder by hand: " +
               "bash PATH-TO-TuneSharp/build/fix-libtorchsharp.sh " + folder;
    }
}
