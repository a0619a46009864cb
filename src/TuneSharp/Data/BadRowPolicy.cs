namespace TuneSharp.Data;

/// <summary>What a reader does with a row it cannot use.</summary>
public enum BadRowPolicy
{
    /// <summary>Throw a <see cref="DataFormatException"/> naming the row (the default: bad data should be seen).</summary>
    Error,
    /// <summary>Leave the row out and count it in <see cref="SkippedRows"/>.</summary>
    Skip,
}
