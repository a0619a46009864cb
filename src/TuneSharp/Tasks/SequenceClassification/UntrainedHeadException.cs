namespace TuneSharp.Tasks.SequenceClassification;

/// <summary>
/// Inference was asked of a model folder whose classification head was never trained (a base checkpoint), with
/// <see cref="SequenceClassificationOptions.RequireTrainedHead"/> on.
/// </summary>
public sealed class UntrainedHeadException(string message) : SequenceClassificationException(message);
