namespace TuneSharp.Tokenization;

/// <summary>Reads tokenizer files that must be UTF-8 text, turning bad bytes into an error that names the file.</summary>
internal static class TokenizerFileBytes
{
    private static readonly System.Text.UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// The file's bytes, checked to be valid UTF-8. System.Text.Json parses a document without validating the text
    /// inside strings and only fails when a string is read (an InvalidOperationException), so check it up front.
    /// </summary>
    /// <exception cref="TuneSharpException">The file is not valid UTF-8 (the message gives the byte offset).</exception>
    public static byte[] ReadUtf8(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (System.Text.Unicode.Utf8.IsValid(bytes)) return bytes;
        try
        {
            Strict.GetCharCount(bytes);
        }
        catch (System.Text.DecoderFallbackException e)
        {
            throw new TuneSharpException($"{path} is not valid UTF-8 text (invalid byte at offset {e.Index}).", e);
        }
        throw new TuneSharpException($"{path} is not valid UTF-8 text.");
    }
}
