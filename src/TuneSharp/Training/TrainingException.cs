namespace TuneSharp.Training;

/// <summary>Training cannot run as configured (an impossible option, a task that cannot produce batches...). The message names the option.</summary>
public class TrainingException : TuneSharpException
{
    public TrainingException(string message) : base(message) { }
    public TrainingException(string message, Exception inner) : base(message, inner) { }
}
