namespace TuneSharp.Evaluation.SequenceLabeling;

/// <summary>
/// The prefix patterns of one <see cref="TagScheme"/>, as <c>seqeval.scheme</c> defines them: which prefixes are
/// allowed, and which (previous, current) pairs start an entity, continue one, or show that the previous token ended one.
/// </summary>
internal sealed class SchemeRules
{
    /// <summary>Whether the pair's types must match, differ, or may be anything.</summary>
    internal enum Types { Any, Same, Different }

    /// <summary>A (previous prefix, current prefix, type condition) triple; a prefix string lists the letters it matches.</summary>
    internal readonly record struct Pattern(string Previous, string Current, Types Types)
    {
        public bool Matches(StrictTag previous, StrictTag current) =>
            Previous.Contains(previous.Prefix) && Current.Contains(current.Prefix) && Types switch
            {
                Types.Same => previous.Type == current.Type,
                Types.Different => previous.Type != current.Type,
                _ => true,
            };
    }

    // seqeval's Prefix.ANY: every prefix letter any scheme knows.
    private const string AnyPrefix = "IOBESUL";

    private readonly Pattern[] _start, _inside, _end;

    private SchemeRules(string allowedPrefixes, Pattern[] start, Pattern[] inside, Pattern[] end)
    {
        AllowedPrefixes = allowedPrefixes;
        _start = start;
        _inside = inside;
        _end = end;
    }

    /// <summary>The prefix letters the scheme accepts, in seqeval's order.</summary>
    public string AllowedPrefixes { get; }

    public bool IsStart(StrictTag previous, StrictTag current) => Any(_start, previous, current);
    public bool IsInside(StrictTag previous, StrictTag current) => Any(_inside, previous, current);
    public bool IsEnd(StrictTag previous, StrictTag current) => Any(_end, previous, current);

    private static bool Any(Pattern[] patterns, StrictTag previous, StrictTag current)
    {
        foreach (var pattern in patterns)
            if (pattern.Matches(previous, current)) return true;
        return false;
    }

    public static SchemeRules For(TagScheme scheme) => scheme switch
    {
        TagScheme.Iob1 => Iob1,
        TagScheme.Ioe1 => Ioe1,
        TagScheme.Iob2 => Iob2,
        TagScheme.Ioe2 => Ioe2,
        TagScheme.Iobes => Iobes,
        TagScheme.Bilou => Bilou,
        _ => throw new ArgumentOutOfRangeException(nameof(scheme), scheme, "Unknown tag scheme."),
    };

    private static Pattern P(string previous, string current, Types types = Types.Any) => new(previous, current, types);

    private static readonly SchemeRules Iob1 = new("IOB",
        start: [P("O", "I"), P("I", "I", Types.Different), P("B", "I"), P("I", "B", Types.Same), P("B", "B", Types.Same)],
        inside: [P("B", "I", Types.Same), P("I", "I", Types.Same)],
        end: [P("I", "I", Types.Different), P("I", "O"), P("I", "B"), P("B", "O"), P("B", "I", Types.Different), P("B", "B", Types.Same)]);

    private static readonly SchemeRules Ioe1 = new("IOE",
        start: [P("O", "I"), P("I", "I", Types.Different), P("E", "I"), P("E", "E", Types.Same)],
        inside: [P("I", "I", Types.Same), P("I", "E", Types.Same)],
        end: [P("I", "I", Types.Different), P("I", "O"), P("I", "E", Types.Different), P("E", "I", Types.Same), P("E", "E", Types.Same)]);

    private static readonly SchemeRules Iob2 = new("IOB",
        start: [P(AnyPrefix, "B")],
        inside: [P("B", "I", Types.Same), P("I", "I", Types.Same)],
        end: [P("I", "O"), P("I", "I", Types.Different), P("I", "B"), P("B", "O"), P("B", "I", Types.Different), P("B", "B")]);

    private static readonly SchemeRules Ioe2 = new("IOE",
        start: [P("O", "I"), P("O", "E"), P("E", "I"), P("E", "E"), P("I", "I", Types.Different), P("I", "E", Types.Different)],
        inside: [P("I", "E", Types.Same), P("I", "I", Types.Same)],
        end: [P("E", AnyPrefix)]);

    private static readonly SchemeRules Iobes = new("IOBES",
        start: [P(AnyPrefix, "B"), P(AnyPrefix, "S")],
        inside: [P("B", "I", Types.Same), P("B", "E", Types.Same), P("I", "I", Types.Same), P("I", "E", Types.Same)],
        end: [P("S", AnyPrefix), P("E", AnyPrefix)]);

    private static readonly SchemeRules Bilou = new("BILOU",
        start: [P(AnyPrefix, "B"), P(AnyPrefix, "U")],
        inside: [P("B", "I", Types.Same), P("B", "L", Types.Same), P("I", "I", Types.Same), P("I", "L", Types.Same)],
        end: [P("U", AnyPrefix), P("L", AnyPrefix)]);
}
