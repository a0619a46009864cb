namespace TuneSharp.Data;

/// <summary>Extractive question-answering examples, as loaded by <see cref="QuestionAnsweringData.Load"/>.</summary>
public sealed class QuestionAnsweringDataset
{
    /// <summary>A dataset of <paramref name="examples"/>, whose ids are unique and whose answers lie in their contexts.</summary>
    /// <exception cref="ArgumentException">Two examples share an id, or an answer is not at its position in the context.</exception>
    public QuestionAnsweringDataset(IReadOnlyList<QuestionAnsweringExample> examples, string? sourcePath = null, SkippedRows? skipped = null)
    {
        ArgumentNullException.ThrowIfNull(examples);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var example in examples)
        {
            if (!ids.Add(example.Id))
                throw new ArgumentException($"Two examples have the id '{TextExcerpt.Of(example.Id)}' (the second at {example.Line}); ids must be unique.", nameof(examples));
            foreach (var answer in example.Answers)
                if (answer.Start < 0 || answer.End > example.Context.Length || string.CompareOrdinal(example.Context, answer.Start, answer.Text, 0, answer.Text.Length) != 0)
                    throw new ArgumentException($"Example '{TextExcerpt.Of(example.Id)}': the answer '{TextExcerpt.Of(answer.Text)}' is not at index {answer.Start} of its context.", nameof(examples));
        }
        Examples = examples;
        SourcePath = sourcePath;
        Skipped = skipped ?? new SkippedRows();
    }

    /// <summary>The examples, in file order.</summary>
    public IReadOnlyList<QuestionAnsweringExample> Examples { get; }

    /// <summary>The file they came from, if any.</summary>
    public string? SourcePath { get; }

    /// <summary>Bad questions left out when reading.</summary>
    public SkippedRows Skipped { get; }

    /// <summary>Number of examples.</summary>
    public int Count => Examples.Count;

    /// <summary>Whether some questions have no answer (SQuAD v2.0), so the model must learn to predict none.</summary>
    public bool HasUnanswerable => Examples.Any(e => !e.IsAnswerable);

    /// <summary>The first <paramref name="count"/> examples (max_train_samples / max_eval_samples).</summary>
    public QuestionAnsweringDataset Take(int count) =>
        count >= Count ? this : new QuestionAnsweringDataset(Examples.Take(count).ToArray(), SourcePath, Skipped);
}
