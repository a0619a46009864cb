using System.Text.Json;
using TuneSharp.Tokenization.ChatTemplates;
using TuneSharp.Tokenization.ChatTemplates.Jinja;

namespace TuneSharp.Tests.Tokenization.ChatTemplates;

/// <summary>
/// Every operator between pairs of sample values, and every supported filter and test on each sample value
/// (Fixtures/jinja_expression_fixtures.json, written by make_jinja_expression_fixtures.py from jinja2), renders as jinja2
/// renders it, and what jinja2 refuses TuneSharp refuses with a ChatTemplateException.
/// </summary>
public sealed class ChatTemplateExpressionTests
{
    [Fact]
    public void Operators_filters_and_tests_match_jinja2_over_the_sample_values()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Tokenization", "ChatTemplates", "Fixtures", "jinja_expression_fixtures.json");
        var cases = JsonDocument.Parse(File.ReadAllText(path)).RootElement.GetProperty("cases").EnumerateArray().ToList();
        Assert.True(cases.Count > 4000, "the fixture should hold the full product of cases");

        var mismatches = new List<string>();
        foreach (var c in cases)
        {
            var source = c.GetProperty("source").GetString()!;
            string outcome;
            try { outcome = JsonSerializer.Serialize(JinjaTemplate.Parse(source, "expr").Render(new Dictionary<string, object?>())); }
            catch (ChatTemplateException e) { outcome = "raises: " + e.Message; }
            var expected = c.TryGetProperty("expected", out var text) ? JsonSerializer.Serialize(text.GetString()) : null;
            var ok = expected is null ? outcome.StartsWith("raises: ", StringComparison.Ordinal) : outcome == expected;
            if (!ok) mismatches.Add($"{source}  expected {expected ?? "an error (" + c.GetProperty("raises").GetString() + ")"}, got {outcome}");
        }
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} of {cases.Count} differ, e.g.\n" + string.Join("\n", mismatches.Take(40)));
    }
}
