using System.Runtime.InteropServices;

namespace TuneSharp.Cli;

/// <summary>
/// Turns Ctrl-C (SIGINT) and SIGTERM (what a job scheduler, <c>kill</c> or <c>docker stop</c> sends) into a cancellation
/// of the training run: it stops after the current step and saves a checkpoint, then the process exits with
/// 128 + the signal number (130, 143), as a shell reports a process ended by that signal. A second signal ends the
/// process at once.
/// </summary>
internal sealed class StopSignals : IDisposable
{
    private readonly CancellationTokenSource _cancellation = new();
    private readonly List<PosixSignalRegistration> _registrations = [];
    private readonly CliOutput _io;

    public StopSignals(CliOutput io)
    {
        _io = io;
        _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, c => OnSignal(c, "Ctrl-C", 130)));
        if (!OperatingSystem.IsWindows())
            _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => OnSignal(c, "SIGTERM", 143)));
    }

    /// <summary>Cancelled by the first signal.</summary>
    public CancellationToken Token => _cancellation.Token;

    /// <summary>128 + the number of the signal that cancelled the run (130 when none did, as for a cancelled run).</summary>
    public int ExitCode { get; private set; } = 130;

    private void OnSignal(PosixSignalContext context, string name, int exitCode)
    {
        if (_cancellation.IsCancellationRequested) return; // a second signal: the default action ends the process now
        context.Cancel = true;
        ExitCode = exitCode;
        _io.Err.WriteLine($"{name}: stopping after the current step and saving a checkpoint ({name} again to stop at once)...");
        _cancellation.Cancel();
    }

    public void Dispose()
    {
        foreach (var registration in _registrations) registration.Dispose();
        _cancellation.Dispose();
    }
}
