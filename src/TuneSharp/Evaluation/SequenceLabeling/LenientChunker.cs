namespace TuneSharp.Evaluation.SequenceLabeling;

/// <summary>
/// seqeval's default chunking (<c>get_entities</c>), which follows conlleval.pl: a tag is read as a one-character
/// chunk tag and a type, and an entity boundary falls between two tags whenever conlleval's start and end rules say
/// so. No sequence of tags is rejected.
/// </summary>
internal static class LenientChunker
{
    /// <summary>A tag as seqeval's default mode reads it.</summary>
    /// <param name="ChunkTag">The first character: B, I, E, S, O, or anything else for a malformed tag.</param>
    /// <param name="Type">The text after the first '-' that follows the chunk tag, or after the chunk tag when there is no '-'; "_" when empty.</param>
    internal readonly record struct ParsedTag(char ChunkTag, string Type);

    // The state before the first tag: seqeval starts from an 'O' whose type is empty (not "_"), which is why
    // a malformed tag like "PER" (chunk tag 'P', type "ER") still starts an entity at position 0.
    private static readonly ParsedTag BeforeFirst = new('O', "");

    /// <summary>
    /// Reads a non-empty tag: "B-PER" is ('B', "PER"), "B" is ('B', "_"), "B-ORG-X" is ('B', "ORG-X"), and a tag
    /// with no prefix such as "PER" is ('P', "ER") — seqeval takes the first character as the chunk tag whatever it is.
    /// </summary>
    public static ParsedTag Parse(string tag)
    {
        string rest = tag[1..];
        int dash = rest.IndexOf('-');
        string type = dash < 0 ? rest : rest[(dash + 1)..];
        return new ParsedTag(tag[0], type.Length == 0 ? "_" : type);
    }

    /// <summary>Whether an entity ends between <paramref name="previous"/> and <paramref name="current"/> (conlleval's endOfChunk).</summary>
    public static bool EndsBetween(ParsedTag previous, ParsedTag current)
    {
        char before = previous.ChunkTag, now = current.ChunkTag;
        if (before is 'E' or 'S') return true;                               // E and S close their entity
        if (before is 'B' or 'I' && now is 'B' or 'S' or 'O') return true;   // a new entity or outside follows
        // Any change of type closes the entity, except after 'O' and conlleval's '.' (neither is inside one).
        return before is not ('O' or '.') && previous.Type != current.Type;
    }

    /// <summary>Whether an entity starts at <paramref name="current"/> (conlleval's startOfChunk).</summary>
    public static bool StartsAt(ParsedTag previous, ParsedTag current)
    {
        char before = previous.ChunkTag, now = current.ChunkTag;
        if (now is 'B' or 'S') return true;
        // An I or E that does not continue a B or I opens an entity: this is what makes the mode lenient.
        if (before is 'O' or 'E' or 'S' && now is 'I' or 'E') return true;
        return now is not ('O' or '.') && previous.Type != current.Type;
    }

    /// <summary>
    /// Scans <paramref name="tags"/> (every one non-empty) and reports each entity as (type, start, end exclusive)
    /// in stream positions. A final "O" is scanned after the stream, as seqeval appends one, so an entity at the end closes.
    /// </summary>
    public static void Scan(IEnumerable<string> tags, Action<string, int, int> onEntity)
    {
        ParsedTag previous = BeforeFirst;
        int start = 0, position = 0;
        foreach (string tag in tags.Append("O"))
        {
            ParsedTag current = Parse(tag);
            if (EndsBetween(previous, current))
                onEntity(previous.Type, start, position);
            if (StartsAt(previous, current))
                start = position;
            previous = current;
            position++;
        }
    }
}
