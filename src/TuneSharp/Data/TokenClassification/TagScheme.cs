namespace TuneSharp.Data;

/// <summary>
/// How the tags of a token classification file mark where entities begin and end. A tag is "B-", "I-", "E-" or "S-"
/// followed by an entity type ("B-PER"); any other tag ("O", "PER") is a plain name. See <see cref="TagSchemes.Detect"/>.
/// </summary>
public enum TagScheme
{
    /// <summary>No tag has a B-, I-, E- or S- prefix: only "O" and/or plain names such as "PER".</summary>
    Plain,

    /// <summary>
    /// IOB1 (the original CoNLL-2003 release): an entity starts with I- and B- appears only where an entity directly
    /// follows another of the same type. Loading converts it to <see cref="Iob2"/>.
    /// </summary>
    Iob1,

    /// <summary>IOB2 (BIO): every entity starts with B-, its other tokens are I-.</summary>
    Iob2,

    /// <summary>BIOES (IOBES): B- begin, I- inside, E- end, S- single-token entity.</summary>
    Bioes,
}
