using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace TuneSharp.Tokenization;

/// <summary>A tokenizer.json "decoder": rewrites the list of token strings; the final text is their concatenation.</summary>
internal abstract class TokenizerJsonDecoder
{
    public abstract List<string> DecodeChain(List<string> tokens);

    public string Decode(List<string> tokens) => string.Concat(DecodeChain(tokens));
}

internal sealed class JsonSequenceDecoder(IReadOnlyList<TokenizerJsonDecoder> steps) : TokenizerJsonDecoder
{
    public override List<string> DecodeChain(List<string> tokens)
    {
        foreach (var step in steps) tokens = step.DecodeChain(tokens);
        return tokens;
    }
}

/// <summary>Maps the byte-level alphabet back to bytes and decodes them as UTF-8.</summary>
internal sealed class JsonByteLevelDecoder : TokenizerJsonDecoder
{
    public override List<string> DecodeChain(List<string> tokens) => [ByteLevelBpeAlphabet.Decode(tokens)];
}

/// <summary>WordPiece: glues "##" continuations to the previous piece and puts a space before other pieces;
/// with cleanup, removes the spaces BERT-style detokenization leaves before punctuation and contractions.</summary>
internal sealed class JsonWordPieceDecoder(string prefix, bool cleanup) : TokenizerJsonDecoder
{
    public override List<string> DecodeChain(List<string> tokens)
    {
        var result = new List<string>(tokens.Count);
        for (int i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (i > 0) token = token.StartsWith(prefix, StringComparison.Ordinal) ? token[prefix.Length..] : " " + token;
            result.Add(cleanup ? CleanUp(token) : token);
        }
        return result;
    }

    /// <summary>transformers' clean_up_tokenization.</summary>
    internal static string CleanUp(string text) => text
        .Replace(" .", ".").Replace(" ?", "?").Replace(" !", "!").Replace(" ,", ",").Replace(" ' ", "'")
        .Replace(" n't", "n't").Replace(" 'm", "'m").Replace(" do not", " don't").Replace(" 's", "'s")
        .Replace(" 've", "'ve").Replace(" 're", "'re");
}

/// <summary>Metaspace: '▁' back to spaces, dropping the space the pre-tokenizer put before the first token.</summary>
internal sealed class JsonMetaspaceDecoder(char replacement, TokenizerJsonPrependScheme scheme) : TokenizerJsonDecoder
{
    public override List<string> DecodeChain(List<string> tokens)
    {
        var result = new List<string>(tokens.Count);
        for (int i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i].Replace(replacement, ' ');
            if (i == 0 && scheme != TokenizerJsonPrependScheme.Never && token.StartsWith(' ')) token = token[1..];
            result.Add(token);
        }
        return result;
    }
}

/// <summary>Classic BPE with an end-of-word suffix ("&lt;/w&gt;"): the suffix becomes a space, except on the last token.</summary>
internal sealed class JsonBpeDecoder(string suffix) : TokenizerJsonDecoder
{
    public override List<string> DecodeChain(List<string> tokens)
        => tokens.Select((t, i) => t.Replace(suffix, i == tokens.Count - 1 ? "" : " ")).ToList();
}

/// <summary>Turns runs of byte tokens ("&lt;0xE2&gt;&lt;0x82&gt;&lt;0xAC&gt;") into the text they encode; invalid UTF-8
/// gives one U+FFFD per byte.</summary>
internal sealed class JsonByteFallbackDecoder : TokenizerJsonDecoder
{
    public override List<string> DecodeChain(List<string> tokens)
    {
        var result = new List<string>(tokens.Count);
        var pending = new List<byte>();
        void Flush()
        {
            if (pending.Count == 0) return;
            try { result.Add(new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(pending.ToArray())); }
            catch (DecoderFallbackException) { result.AddRange(Enumerable.Repeat("\uFFFD", pending.Count)); }
            pending.Clear();
        }
        foreach (var token in tokens)
        {
            if (token.Length == 6 && token.StartsWith("<0x", StringComparison.Ordinal) && token[5] == '>'
                && byte.TryParse(token.AsSpan(3, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var b))
            {
                pending.Add(b);
                continue;
            }
            Flush();
            result.Add(token);
        }
        Flush();
        return result;
    }
}

/// <summary>Joins all tokens into one string.</summary>
internal sealed class JsonFuseDecoder : TokenizerJsonDecoder
{
    public override List<string> DecodeChain(List<string> tokens) => [string.Concat(tokens)];
}

/// <summary>Removes up to <c>start</c> leading and <c>stop</c> trailing occurrences of a character from every token.</summary>
internal sealed class JsonStripDecoder(char content, int start, int stop) : TokenizerJsonDecoder
{
    public override List<string> DecodeChain(List<string> tokens) => tokens.Select(t =>
    {
        int s = 0, e = t.Length;
        while (s < e && s < start && t[s] == content) s++;
        while (e > s && t.Length - e < stop && t[e - 1] == content) e--;
        return t[s..e];
    }).ToList();
}

/// <summary>Replaces a pattern in every token (Llama's "▁" → " ").</summary>
internal sealed class JsonReplaceDecoder(Regex pattern, string content) : TokenizerJsonDecoder
{
    public override List<string> DecodeChain(List<string> tokens) => tokens.Select(t => pattern.Replace(t, content)).ToList();
}
