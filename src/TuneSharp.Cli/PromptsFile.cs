using System.Text.Json;

namespace TuneSharp.Cli;

/// <summary>
/// <c>generate --prompts-file</c>: one prompt per line, or JSON lines each with a string <c>prompt</c> (a file whose
/// non-blank lines all start with <c>{</c>). Blank lines are skipped in both forms; every problem names the line.
/// </summary>
internal static class PromptsFile
{
    public static IReadOnlyList<string> Read(string path)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new TuneSharpException("--prompts-file is empty; give a file path.") { Setting = "prompts_file" };
        if (!File.Exists(path)) throw new TuneSharpException($"--prompts-file '{path}' does not exist.") { Setting = "prompts_file" };
        var lines = File.ReadAllLines(path).Select((text, index) => (Text: text, Number: index + 1)).Where(l => l.Text.Trim().Length > 0).ToList();
        if (lines.Count == 0) throw new TuneSharpException($"--prompts-file '{path}' has no prompts (every line is blank).") { Setting = "prompts_file" };
        var jsonLines = lines.All(l => l.Text.TrimStart().StartsWith('{'));
        return jsonLines ? lines.Select(l => JsonPrompt(path, l.Text, l.Number)).ToArray() : lines.Select(l => l.Text).ToArray();
    }

    private static string JsonPrompt(string path, string line, int number)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            if (document.RootElement.TryGetProperty("prompt", out var prompt) && prompt.ValueKind == JsonValueKind.String)
                return prompt.GetString()!;
        }
        catch (JsonException e)
        {
            throw new TuneSharpException($"--prompts-file '{path}' line {number} is not valid JSON ({e.Message.Split('.')[0]}).") { Setting = "prompts_file" };
        }
        throw new TuneSharpException($"--prompts-file '{path}' line {number} has no string \"prompt\" field (JSON lines need {{\"prompt\": \"...\"}}).") { Setting = "prompts_file" };
    }
}
