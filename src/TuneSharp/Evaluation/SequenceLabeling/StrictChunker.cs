namespace TuneSharp.Evaluation.SequenceLabeling;

/// <summary>
/// seqeval's strict entity reading (<c>seqeval.scheme.Tokens.entities</c>): an entity is a token the scheme says
/// starts one, the tokens after it the scheme says continue it, and it counts only if the token after the last one
/// shows it ended properly. Anything else (an I- run with no B- in IOB2, a B- with no E- in IOBES) yields nothing.
/// </summary>
internal static class StrictChunker
{
    /// <summary>Entities of one sentence whose tags have all been checked against <paramref name="rules"/>' allowed prefixes.</summary>
    public static List<EntitySpan> Extract(IReadOnlyList<string> tags, SchemeRules rules)
    {
        // An "O" after the sentence, as seqeval appends, so an entity at its end can show it ended.
        var tokens = new StrictTag[tags.Count + 1];
        for (int i = 0; i < tags.Count; i++) tokens[i] = StrictTag.Parse(tags[i]);
        tokens[^1] = StrictTag.Outside;

        var entities = new List<EntitySpan>();
        StrictTag previous = StrictTag.Outside;
        int position = 0;
        while (position < tokens.Length)
        {
            StrictTag current = tokens[position];
            if (rules.IsStart(previous, current))
            {
                // No scheme lets "O" continue an entity, so this stops at the final "O" at the latest.
                int end = position + 1;
                while (rules.IsInside(tokens[end - 1], tokens[end])) end++;
                if (rules.IsEnd(tokens[end - 1], tokens[end]))
                    entities.Add(new EntitySpan(current.Type, position, end));
                position = end;
            }
            else
            {
                position++;
            }
            previous = tokens[position - 1];
        }
        return entities;
    }
}
