using System.Text;

namespace TuneSharp.Data;

/// <summary>One line of a plain-text input file: its 1-based line number and its text.</summary>
public readonly record struct NumberedLine(int Number, string Text);

/// <summary>
/// Reads plain-text inputs, one per line (what <c>predict</c> classifies), from a file or a stream: strict UTF-8
/// decoded line by line so an invalid byte is reported on its own line, blank lines skipped, lines longer than
/// <see cref="DatasetReadOptions.DefaultMaxRowBytes"/> refused rather than read whole.
/// </summary>
public static class TextLinesFile
{
    /// <summary>Reads the non-blank lines of <paramref name="path"/>.</summary>
    /// <exception cref="DataFormatException">The path is missing or a folder, a line is not UTF-8 or too long, or there is no text at all.</exception>
    public static List<NumberedLine> Read(string path)
    {
        if (Directory.Exists(path)) throw new DataFormatException($"Input path '{path}' is a folder; expected a text file with one input per line.", path, null, null);
        if (!File.Exists(path)) throw new DataFormatException($"Input file '{path}' does not exist.", path, null, null);
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            return Read(stream, path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataFormatException($"Cannot read input file '{path}': {e.Message}", path, null, null, e);
        }
    }

    /// <summary>Reads the non-blank lines of <paramref name="stream"/>; <paramref name="name"/> names it in errors.</summary>
    /// <exception cref="DataFormatException">A line is not UTF-8 or too long, or there is no text at all.</exception>
    public static List<NumberedLine> Read(Stream stream, string name, int maxLineBytes = DatasetReadOptions.DefaultMaxRowBytes)
    {
        var strict = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        var reader = new BoundedLineReader(stream, maxLineBytes);
        var lines = new List<NumberedLine>();
        try
        {
            while (reader.TryReadLine(out var bytes))
            {
                string text;
                try { text = strict.GetString(bytes.Span); }
                catch (DecoderFallbackException e)
                {
                    throw new DataFormatException($"{name}: line {reader.LineNumber} is not valid UTF-8 (byte {e.Index + 1} of the line); save the file as UTF-8.", name, reader.LineNumber, null);
                }
                if (!string.IsNullOrWhiteSpace(text)) lines.Add(new NumberedLine(reader.LineNumber, text));
            }
        }
        catch (LineTooLongException e)
        {
            throw new DataFormatException($"{name}: line {e.Line} is longer than the limit of {maxLineBytes:N0} bytes; expected one input text per line.", name, e.Line, null);
        }
        if (lines.Count == 0) throw new DataFormatException($"{name}: no input texts (expected one text per line).", name, null, null);
        return lines;
    }
}
