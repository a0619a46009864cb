namespace TuneSharp.Data;

/// <summary>How many examples of a dataset have one class.</summary>
public sealed record ClassCount(int Id, string Label, int Count);
