namespace TuneSharp.Tasks.SequenceClassification;

/// <summary>
/// A sequence-classification model cannot be built, loaded or trained as asked: inconsistent label options,
/// a saved head of a different size, a label out of range. The message says what was expected.
/// </summary>
public class SequenceClassificationException : TuneSharpException
{
    public SequenceClassificationException(string message) : base(message) { }
    public SequenceClassificationException(string message, Exception inner) : base(message, inner) { }
}
