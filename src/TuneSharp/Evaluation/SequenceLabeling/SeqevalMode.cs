namespace TuneSharp.Evaluation.SequenceLabeling;

/// <summary>How entities are read from tags: seqeval's <c>mode</c> argument.</summary>
public enum SeqevalMode
{
    /// <summary>
    /// seqeval's default (<c>mode=None</c>), which reproduces conlleval.pl: lenient, so an <c>I-X</c> with no
    /// <c>B-X</c> before it still starts an entity and any change of type ends one. Prefixes B, I, E and S are
    /// understood whichever scheme the data uses; the scheme argument is ignored.
    /// </summary>
    Default,

    /// <summary>
    /// seqeval's <c>mode='strict'</c>: entities are read by the rules of one <see cref="TagScheme"/>, and a run
    /// of tags those rules do not accept (an <c>I-X</c> with no <c>B-X</c> in IOB2, a <c>B-X</c> with no
    /// <c>E-X</c> in IOBES) is no entity at all. A tag whose prefix the scheme does not allow is an error.
    /// </summary>
    Strict,
}
