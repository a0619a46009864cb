namespace TuneSharp.Data;

/// <summary>Which file, columns and labels <see cref="TokenClassificationData.Load"/> reads.</summary>
public sealed record TokenClassificationDataOptions
{
    /// <summary>
    /// The data file: CoNLL (.conll, .txt, or CoNLL-2003's own names such as eng.train, eng.testa, eng.testb), JSON Lines
    /// (.jsonl), JSON (.json: an array of objects) or Parquet (.parquet). Any other name needs <see cref="Format"/>.
    /// </summary>
    public required string Path { get; init; }

    /// <summary>The file format; null detects it from the extension (see <see cref="TokenClassificationData.DetectFormat"/>).</summary>
    public DatasetFormat? Format { get; init; }

    /// <summary>The column with each row's list of tokens (JSON Lines, JSON, Parquet). Defaults to "tokens", as in Hugging Face's conll2003.</summary>
    public string TokensColumn { get; init; } = "tokens";

    /// <summary>
    /// The column with each row's list of tags, one per token: strings ("B-PER"), or integers with <see cref="LabelNames"/>.
    /// Defaults to "ner_tags", as in Hugging Face's conll2003.
    /// </summary>
    public string TagsColumn { get; init; } = "ner_tags";

    /// <summary>
    /// Which whitespace-separated column of a CoNLL token line holds the tag: 0-based from the left (0 is the token
    /// itself, so 1 or more), or negative from the right as in Python (-1, the default, is the last column).
    /// </summary>
    public int ConllLabelColumn { get; init; } = -1;

    /// <summary>
    /// The tag names in id order (transformers' <c>label_list</c> for a ClassLabel feature, e.g. O, B-PER, I-PER, ...).
    /// Integer tags are ids into it (integer tags without it are an error); string tags must be among its names. The
    /// dataset's <see cref="TokenClassificationDataset.Labels"/> follow this order unless <see cref="LabelMap"/> is given.
    /// </summary>
    public IReadOnlyList<string>? LabelNames { get; init; }

    /// <summary>
    /// A fixed label map, such as the training set's when reading a validation or test file: a tag not in it is a bad
    /// row. Null builds the map from <see cref="LabelNames"/>, or else from the tags of the file (sorted, as run_ner does).
    /// </summary>
    public LabelMap? LabelMap { get; init; }

    /// <summary>Whether a bad sentence or row (wrong column count, unknown tag, tokens and tags of different lengths ...) is an error or skipped.</summary>
    public BadRowPolicy OnBadRow { get; init; } = BadRowPolicy.Error;
}
