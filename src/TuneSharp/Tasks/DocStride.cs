namespace TuneSharp.Tasks;

/// <summary>
/// The overlap of consecutive windows over a text longer than the model's window (doc_stride), shared by the tasks
/// that cut long texts into windows (question-answering contexts, long documents for classification).
/// </summary>
public static class DocStride
{
    /// <summary>
    /// The overlap when none is given: run_qa.py's 128 tokens, or a third of <paramref name="maxLength"/> when that is
    /// smaller, so that a short window (128 tokens for classification) still moves on by most of its length.
    /// </summary>
    public static int Default(int maxLength) => Math.Min(128, Math.Max(0, maxLength / 3));

    /// <summary>
    /// The overlap a trained folder's recorded doc_stride keeps when inference uses windows of another
    /// <paramref name="maxLength"/>: at most a third of it, so shorter windows still move on.
    /// </summary>
    public static int ForMaxLength(int recorded, int maxLength) => Math.Min(recorded, maxLength / 3);
}
