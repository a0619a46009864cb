using System.Diagnostics;
using System.Globalization;

namespace TuneSharp.Training;

/// <summary>
/// TESTING HOOK ONLY: lets crash-recovery tests kill a training process at an exact point. Nothing happens unless the
/// environment variable <c>TUNESHARP_FAULT_INJECTION</c> is set, to one of
/// <list type="bullet">
/// <item><c>kill-during-checkpoint:STEP</c>: SIGKILL the process while checkpoint-STEP is being written, after the
/// model weights and optimizer state but before the random state, trainer state and training arguments;</item>
/// <item><c>kill-after-step:STEP</c>: SIGKILL the process right after optimizer step STEP, before its evaluation and checkpoint.</item>
/// </list>
/// A SIGKILL cannot be caught, so this is what a crash, an OOM kill or a pulled plug looks like to the output folder.
/// </summary>
public static class FaultInjection
{
    /// <summary>The environment variable that arms the hook.</summary>
    public const string Variable = "TUNESHARP_FAULT_INJECTION";

    /// <summary>Point name: while a checkpoint is half written.</summary>
    public const string DuringCheckpoint = "kill-during-checkpoint";

    /// <summary>Point name: right after an optimizer step.</summary>
    public const string AfterStep = "kill-after-step";

    // Read once, on first use (a bad value then fails as a TrainingException, not a type-initialisation error).
    private static readonly Lazy<(string Point, int Step)?> Requested = new(() => Parse(Environment.GetEnvironmentVariable(Variable)));

    /// <summary>Kills this process (SIGKILL on Unix) when the hook names <paramref name="point"/> at <paramref name="step"/>.</summary>
    internal static void At(string point, int step)
    {
        if (Requested.Value is not { } r || r.Point != point || r.Step != step) return;
        Console.Error.WriteLine($"{Variable}: killing the process at {point}:{step}");
        Console.Error.Flush();
        Process.GetCurrentProcess().Kill(); // SIGKILL on Unix, TerminateProcess on Windows
        Thread.Sleep(Timeout.Infinite); // the kill is asynchronous: never run past the fault point
    }

    private static (string, int)? Parse(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        var parts = value.Split(':');
        if (parts.Length == 2 && parts[0] is DuringCheckpoint or AfterStep
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var step))
            return (parts[0], step);
        throw new TrainingException(
            $"{Variable}='{value}' is not understood; expected {DuringCheckpoint}:STEP or {AfterStep}:STEP (a testing hook; unset it for normal runs).");
    }
}
