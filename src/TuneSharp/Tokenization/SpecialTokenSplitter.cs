namespace TuneSharp.Tokenization;

/// <summary>
/// Finds special/added tokens written literally in a text ("[MASK]", "&lt;s&gt;") so they become single tokens
/// instead of being split by the model (Hugging Face matches them before normalisation, case-sensitively).
/// At each position the longest matching token wins.
/// </summary>
internal sealed class SpecialTokenSplitter
{
    private readonly (string Text, int Id)[] _tokens;

    /// <summary>A piece of the input: either ordinary text [Start, End) or one special token (Id set).</summary>
    public readonly record struct Segment(int Start, int End, int? Id, string? Token);

    public SpecialTokenSplitter(IEnumerable<KeyValuePair<string, int>> tokens)
        => _tokens = tokens.Where(t => t.Key.Length > 0)
                           .Select(t => (t.Key, t.Value))
                           .OrderByDescending(t => t.Key.Length)
                           .ToArray();

    public IEnumerable<Segment> Split(string text)
    {
        int plainStart = 0, i = 0;
        while (i < text.Length)
        {
            var match = _tokens.Length == 0 ? default : _tokens.FirstOrDefault(t => string.CompareOrdinal(text, i, t.Text, 0, t.Text.Length) == 0);
            if (match.Text is null) { i++; continue; }
            if (i > plainStart) yield return new Segment(plainStart, i, null, null);
            yield return new Segment(i, i + match.Text.Length, match.Id, match.Text);
            i += match.Text.Length;
            plainStart = i;
        }
        if (text.Length > plainStart) yield return new Segment(plainStart, text.Length, null, null);
    }
}
