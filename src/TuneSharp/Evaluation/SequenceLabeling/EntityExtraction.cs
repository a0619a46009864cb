namespace TuneSharp.Evaluation.SequenceLabeling;

/// <summary>Reads the entities (chunks) of one sentence's tags the way seqeval does.</summary>
public static class EntityExtraction
{
    /// <summary>
    /// seqeval's default, conlleval-compatible reading (<c>get_entities</c>). It never rejects a sequence:
    /// <list type="bullet">
    /// <item>B-X and S-X start an entity; so does an I-X or E-X after O, E-, S- or a different type (so "I-PER I-PER" is one PER entity).</item>
    /// <item>An entity ends before B-, S- or O, after E- or S-, and wherever the type changes ("B-PER I-LOC" is PER then LOC).</item>
    /// <item>The prefixes of IOB1, IOB2, IOE1/2 and IOBES are all understood together; no scheme is chosen.</item>
    /// <item>The type is what follows the first '-' ("B-ORG-X" has type "ORG-X"); a bare "B" has type "_".</item>
    /// <item>A tag with no prefix is read as seqeval reads it: its first character is the prefix, so "PER" is an
    /// unknown prefix 'P' with type "ER", and a run of such tags of one type is one entity. (seqeval warns
    /// "PER seems not to be NE tag"; write such data as "B-PER" or convert it first.)</item>
    /// </list>
    /// </summary>
    /// <param name="tags">The sentence's tags, e.g. ["B-PER", "I-PER", "O"]; none null or empty.</param>
    /// <returns>The entities in the order they end (for well-formed tags, left to right).</returns>
    /// <exception cref="TuneSharpException">A tag is null or empty.</exception>
    public static IReadOnlyList<EntitySpan> Default(IReadOnlyList<string> tags)
    {
        ArgumentNullException.ThrowIfNull(tags);
        TagChecks.RequireTags(tags, "tags");
        var entities = new List<EntitySpan>();
        LenientChunker.Scan(tags, (type, start, end) => entities.Add(new EntitySpan(type, start, end)));
        return entities;
    }

    /// <summary>
    /// seqeval's <c>mode='strict'</c> reading under <paramref name="scheme"/> (<c>seqeval.scheme.Tokens</c>): only
    /// sequences the scheme's rules accept form entities, e.g. in IOB2 an entity is B-X followed by I-X tags, and a
    /// leading I-X forms nothing; in IOBES it is S-X or B-X (I-X)* E-X. The type is the tag after its prefix with
    /// surrounding '-' removed; a bare prefix has type "_".
    /// </summary>
    /// <param name="tags">The sentence's tags; each must begin with a prefix <paramref name="scheme"/> allows.</param>
    /// <param name="scheme">The scheme the tags are written in.</param>
    /// <returns>The entities in order.</returns>
    /// <exception cref="TuneSharpException">A tag is null or empty, or its prefix is not one the scheme allows (seqeval raises too).</exception>
    public static IReadOnlyList<EntitySpan> Strict(IReadOnlyList<string> tags, TagScheme scheme)
    {
        ArgumentNullException.ThrowIfNull(tags);
        var rules = SchemeRules.For(scheme);
        TagChecks.RequireTags(tags, "tags");
        TagChecks.RequirePrefixes(tags, scheme, rules, "tags");
        return StrictChunker.Extract(tags, rules);
    }
}
