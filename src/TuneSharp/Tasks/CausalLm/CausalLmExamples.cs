namespace TuneSharp.Tasks.CausalLm;

/// <summary>The training sequences built from a dataset and what building them did.</summary>
/// <param name="Examples">The sequences, in dataset order.</param>
/// <param name="Summary">Counts of truncation, dropped examples and tokens.</param>
public sealed record CausalLmExamples(IReadOnlyList<CausalLmExample> Examples, CausalLmBuildSummary Summary);
