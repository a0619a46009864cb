using System.Text.Json;
using TuneSharp.Tokenization.ChatTemplates.Jinja;

namespace TuneSharp.Tests.Tokenization.ChatTemplates;

/// <summary>
/// Every combination of surrounding text, tag kind and whitespace-control sign in
/// Fixtures/jinja_whitespace_fixtures.json (written by make_jinja_whitespace_fixtures.py from jinja2 with
/// trim_blocks and lstrip_blocks) renders exactly as jinja2 renders it.
/// </summary>
public sealed class ChatTemplateWhitespaceTests
{
    [Fact]
    public void Whitespace_control_trim_blocks_and_lstrip_blocks_match_jinja2_in_every_combination()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Tokenization", "ChatTemplates", "Fixtures", "jinja_whitespace_fixtures.json");
        var cases = JsonDocument.Parse(File.ReadAllText(path)).RootElement.GetProperty("cases").EnumerateArray().ToList();
        Assert.True(cases.Count > 1000, "the fixture should hold the full product of cases");

        var mismatches = new List<string>();
        foreach (var c in cases)
        {
            var source = c.GetProperty("source").GetString()!;
            var expected = c.GetProperty("expected").GetString()!;
            var actual = JinjaTemplate.Parse(source, "whitespace").Render(new Dictionary<string, object?>());
            if (actual != expected) mismatches.Add($"{JsonSerializer.Serialize(source)}: expected {JsonSerializer.Serialize(expected)}, got {JsonSerializer.Serialize(actual)}");
        }
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} of {cases.Count} differ, e.g.\n" + string.Join("\n", mismatches.Take(15)));
    }
}
