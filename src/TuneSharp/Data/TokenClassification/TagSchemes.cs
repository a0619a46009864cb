namespace TuneSharp.Data;

/// <summary>Detects the <see cref="TagScheme"/> of tag sequences and converts IOB1 to IOB2.</summary>
public static class TagSchemes
{
    /// <summary>
    /// The scheme of a file's sentences, decided for the file as a whole: IOB1 when any I-X tag starts an entity (it
    /// is the first tag of its sentence or follows a tag that is not B-X or I-X: O, a plain name, another type, E-, S-);
    /// otherwise BIOES when any tag has an E- or S- prefix; otherwise IOB2 when any has a B- or I- prefix; otherwise plain.
    /// </summary>
    /// <exception cref="TuneSharpException">
    /// The tags mix schemes that cannot be told apart safely: S-/E- tags beside an I- tag that starts an entity (neither
    /// BIOES nor IOB2 allows that), or BILOU's L-/U- prefixes beside B-, I-, E- or S- tags (BILOU is not supported).
    /// </exception>
    public static TagScheme Detect(IEnumerable<IReadOnlyList<string>> sentences)
    {
        ArgumentNullException.ThrowIfNull(sentences);
        var analysis = Analyze(sentences);
        if (analysis.Conflict(p => $"sentence {p.Sentence + 1}, token {p.Token + 1}") is { } conflict) throw new TuneSharpException(conflict);
        return analysis.Scheme;
    }

    /// <summary>
    /// The IOB2 form of IOB1 <paramref name="tags"/>: an I-X that starts an entity (first in the sentence, or after a
    /// tag other than B-X and I-X) becomes B-X; every other tag is kept. IOB2 input comes back unchanged.
    /// </summary>
    /// <example>I-ORG O I-PER I-PER B-PER I-LOC → B-ORG O B-PER I-PER B-PER B-LOC.</example>
    public static IReadOnlyList<string> Iob1ToIob2(IReadOnlyList<string> tags)
    {
        ArgumentNullException.ThrowIfNull(tags);
        return ConvertIob1(tags, out _);
    }

    /// <summary><see cref="Iob1ToIob2"/>, counting the tags it changed.</summary>
    internal static string[] ConvertIob1(IReadOnlyList<string> tags, out int changed)
    {
        changed = 0;
        var result = new string[tags.Count];
        for (var i = 0; i < tags.Count; i++)
        {
            result[i] = tags[i];
            if (StartsEntityWithInside(tags, i))
            {
                result[i] = "B-" + tags[i][2..];
                changed++;
            }
        }
        return result;
    }

    /// <summary>Whether tag <paramref name="i"/> is I-X and the tag before it (if any) is neither B-X nor I-X.</summary>
    private static bool StartsEntityWithInside(IReadOnlyList<string> tags, int i)
    {
        if (Prefix(tags[i]) != 'I') return false;
        if (i == 0) return true;
        var previous = tags[i - 1];
        return Prefix(previous) is not ('B' or 'I') || !SameType(previous, tags[i]);
    }

    private static bool SameType(string a, string b) => a.AsSpan(2).SequenceEqual(b.AsSpan(2));

    /// <summary>'B', 'I', 'E', 'S' (or BILOU's 'L', 'U') for a tag "P-TYPE" with a non-empty type; '\0' for a plain name.</summary>
    internal static char Prefix(string tag) =>
        tag.Length > 2 && tag[1] == '-' && tag[0] is 'B' or 'I' or 'E' or 'S' or 'L' or 'U' ? tag[0] : '\0';

    /// <summary>Where a tag is: its sentence's index and its position in the sentence, both 0-based.</summary>
    internal readonly record struct TagPosition(int Sentence, int Token);

    /// <summary>What <see cref="Analyze"/> found: the scheme and the first tag of each kind that decides or contradicts it.</summary>
    internal sealed record Analysis(TagScheme Scheme, TagPosition? FirstIob1Start, TagPosition? FirstEndOrSingle, TagPosition? FirstBilou, TagPosition? FirstBeginOrInside)
    {
        /// <summary>Why the tags cannot be given one scheme, naming the tags by <paramref name="where"/>; null when they can.</summary>
        public string? Conflict(Func<TagPosition, string> where)
        {
            if (FirstBilou is { } bilou && (FirstBeginOrInside ?? FirstEndOrSingle) is { } other)
                return $"the tags mix BILOU's L-/U- prefixes ({where(bilou)}) with B-/I-/E-/S- tags ({where(other)}); BILOU is not supported: " +
                    "convert it to BIOES (L- → E-, U- → S-) or IOB2.";
            if (FirstEndOrSingle is { } bioes && FirstIob1Start is { } iob1)
                return $"the tags mix BIOES's E-/S- prefixes ({where(bioes)}) with an I- tag that starts an entity ({where(iob1)}), " +
                    "which BIOES does not allow (an entity starts with B- or S-); fix the tags so the file uses one scheme.";
            return null;
        }
    }

    /// <summary>One pass over the tags: see <see cref="Detect"/> for the rule.</summary>
    internal static Analysis Analyze(IEnumerable<IReadOnlyList<string>> sentences)
    {
        TagPosition? iob1Start = null, endOrSingle = null, bilou = null, beginOrInside = null;
        var s = 0;
        foreach (var tags in sentences)
        {
            for (var t = 0; t < tags.Count; t++)
            {
                switch (Prefix(tags[t]))
                {
                    case 'B' or 'I':
                        beginOrInside ??= new TagPosition(s, t);
                        if (iob1Start is null && StartsEntityWithInside(tags, t)) iob1Start = new TagPosition(s, t);
                        break;
                    case 'E' or 'S':
                        endOrSingle ??= new TagPosition(s, t);
                        break;
                    case 'L' or 'U':
                        bilou ??= new TagPosition(s, t);
                        break;
                }
            }
            s++;
        }
        var scheme = iob1Start is not null ? TagScheme.Iob1
            : endOrSingle is not null ? TagScheme.Bioes
            : beginOrInside is not null ? TagScheme.Iob2
            : TagScheme.Plain;
        return new Analysis(scheme, iob1Start, endOrSingle, bilou, beginOrInside);
    }
}
