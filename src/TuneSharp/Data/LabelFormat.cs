namespace TuneSharp.Data;

/// <summary>How the label cell of a text classification row is read.</summary>
public enum LabelFormat
{
    /// <summary>One class name (or integer class id) per row: single-label classification.</summary>
    ClassName,

    /// <summary>
    /// Zero or more class names joined by a separator ("sports,politics"): multi-label classification.
    /// An empty cell is not allowed (a row with no label is more often a mistake than intended).
    /// </summary>
    ClassList,

    /// <summary>A number ("0.5", "-3", "1e2"; invariant culture): regression.</summary>
    Number,
}
