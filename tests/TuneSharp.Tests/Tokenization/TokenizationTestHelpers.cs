using System.Text;
using TuneSharp.Tokenization;

namespace TuneSharp.Tests.Tokenization;

internal static class TokenizationTestHelpers
{
    // Accented Latin letters and their base letters, written out by hand (string.Normalize does nothing for
    // non-ASCII under the project's InvariantGlobalization, and the implementation's NFD is what is under test).
    private const string Accented = "àáâãäåçèéêëìíîïñòóôõöùúûüýÿ";
    private const string Bases    = "aaaaaaceeeeiiiinooooouuuuyy";

    /// <summary>BERT-uncased view of a text span: lower-cased with accents removed (do_lower_case + strip_accents),
    /// used to check offsets against token strings. Covers the accented Latin letters listed above.</summary>
    public static string Uncased(string s)
    {
        var sb = new StringBuilder();
        foreach (char c in s.ToLowerInvariant())
        {
            int i = Accented.IndexOf(c);
            sb.Append(i >= 0 ? Bases[i] : c);
        }
        return sb.ToString();
    }

    /// <summary>A tiny vocabulary where each letter a–e is a whole word, so lengths in pipeline tests are easy to count by hand.</summary>
    public static WordPieceTokenizer LetterTokenizer(bool withPad = true)
    {
        var vocab = new List<string> { "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "b", "c", "d", "e" };
        if (withPad) vocab.Insert(0, "[PAD]");
        return WordPieceTokenizer.FromVocab(vocab);
    }
}
