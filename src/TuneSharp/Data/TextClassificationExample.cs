namespace TuneSharp.Data;

/// <summary>One labelled example for sequence classification.</summary>
/// <param name="Text">The text, exactly as in the file (not trimmed).</param>
/// <param name="TextPair">The second text of a sentence-pair task (entailment, paraphrase), or null.</param>
/// <param name="Label">The class label as text ("0", "positive"), trimmed.</param>
/// <param name="Line">1-based line of the row in its file (the row number for Parquet).</param>
public sealed record TextClassificationExample(string Text, string? TextPair, string Label, int Line);
