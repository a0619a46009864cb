namespace TuneSharp.Evaluation.SequenceLabeling;

/// <summary>The tagging schemes of <c>seqeval.scheme</c>, used by <see cref="SeqevalMode.Strict"/>.</summary>
public enum TagScheme
{
    /// <summary>IOB1: I- tags entities; B- only separates two adjacent entities of one type. Prefixes I, O, B.</summary>
    Iob1,

    /// <summary>IOE1: I- tags entities; E- only ends an entity followed by another of its type. Prefixes I, O, E.</summary>
    Ioe1,

    /// <summary>IOB2 (also called BIO; CoNLL-2003 as Hugging Face datasets ship it): every entity begins with B-. Prefixes I, O, B.</summary>
    Iob2,

    /// <summary>IOE2: every entity ends with E-. Prefixes I, O, E.</summary>
    Ioe2,

    /// <summary>IOBES (BIOES): B- begins, I- continues and E- ends an entity of several tokens; S- is a one-token entity. Prefixes I, O, B, E, S.</summary>
    Iobes,

    /// <summary>BILOU: like IOBES with L- (last) for E- and U- (unit) for S-. Prefixes B, I, L, O, U.</summary>
    Bilou,
}
