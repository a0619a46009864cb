using System.Text;

namespace TuneSharp.Tokenization;

/// <summary>
/// GPT-2's byte-level alphabet: each of the 256 byte values is shown as one printable character so that BPE can
/// work on strings. Printable Latin-1 bytes stand for themselves; the others (controls, space, 0x7F-0xA0, 0xAD)
/// take the characters from U+0100 upward in byte order, which is why a space appears as 'Ġ' (U+0120).
/// </summary>
internal static class ByteLevelBpeAlphabet
{
    private static readonly char[] ByteToChar = BuildTable();
    private static readonly Dictionary<char, byte> CharToByte =
        Enumerable.Range(0, 256).ToDictionary(b => ByteToChar[b], b => (byte)b);

    private static char[] BuildTable()
    {
        var table = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++)
        {
            bool printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            table[b] = printable ? (char)b : (char)next++;
        }
        return table;
    }

    /// <summary>The alphabet characters for the UTF-8 bytes of <paramref name="text"/>.</summary>
    public static string Encode(string text)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        var chars = new char[bytes.Length];
        for (int i = 0; i < bytes.Length; i++) chars[i] = ByteToChar[bytes[i]];
        return new string(chars);
    }

    /// <summary>Appends the bytes a token stands for. A token containing characters outside the alphabet (an added
    /// token such as "&lt;|endoftext|&gt;" with non-alphabet characters) contributes its own UTF-8 bytes, as in
    /// Hugging Face's ByteLevel decoder.</summary>
    public static void AppendBytes(string token, List<byte> output)
    {
        foreach (var c in token)
        {
            if (!CharToByte.ContainsKey(c))
            {
                output.AddRange(System.Text.Encoding.UTF8.GetBytes(token));
                return;
            }
        }
        foreach (var c in token) output.Add(CharToByte[c]);
    }

    /// <summary>Decodes tokens in the byte alphabet into text (invalid UTF-8 becomes U+FFFD).</summary>
    public static string Decode(IEnumerable<string> tokens)
    {
        var bytes = new List<byte>();
        foreach (var t in tokens) AppendBytes(t, bytes);
        return System.Text.Encoding.UTF8.GetString(bytes.ToArray());
    }

    /// <summary>The GPT-2 pre-tokenization regex: contractions, optionally space-prefixed runs of letters, of digits,
    /// of other symbols, and white space (a trailing space stays attached to the following word).</summary>
    public const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    /// <summary>Alphabet characters for one code point's UTF-8 bytes.</summary>
    public static string EncodeRune(Rune rune)
    {
        Span<byte> buffer = stackalloc byte[4];
        int n = rune.EncodeToUtf8(buffer);
        var chars = new char[n];
        for (int i = 0; i < n; i++) chars[i] = ByteToChar[buffer[i]];
        return new string(chars);
    }
}
