using System.Text.Json;
using TuneSharp.Tokenization.ChatTemplates;

namespace TuneSharp.Tests.Tokenization.ChatTemplates;

/// <summary>
/// TuneSharp's rendering of real models' chat templates and of its built-in ones must be identical to what
/// transformers 4.40's apply_chat_template gives (Fixtures/chat_template_fixtures.json, written by
/// make_chat_template_fixtures.py), including the cases where the template raises.
/// </summary>
public sealed class ChatTemplateGoldenTests
{
    private static readonly string FixtureDir = Path.Combine(AppContext.BaseDirectory, "Tokenization", "ChatTemplates", "Fixtures");

    private static readonly Lazy<JsonElement> Fixtures = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(FixtureDir, "chat_template_fixtures.json"))).RootElement);

    private static IEnumerable<JsonElement> Templates => Fixtures.Value.GetProperty("templates").EnumerateArray();

    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        foreach (var template in Templates)
            for (var i = 0; i < template.GetProperty("cases").GetArrayLength(); i++)
                data.Add(template.GetProperty("name").GetString()!, i);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Renders_as_transformers_does(string templateName, int caseIndex)
    {
        var fixture = Templates.Single(t => t.GetProperty("name").GetString() == templateName);
        var template = Build(fixture);
        var @case = fixture.GetProperty("cases")[caseIndex];
        var messages = @case.GetProperty("messages").EnumerateArray()
            .Select(m => new ChatMessage(m.GetProperty("role").GetString()!, m.GetProperty("content").GetString()!)).ToList();
        var addGenerationPrompt = @case.GetProperty("add_generation_prompt").GetBoolean();

        if (@case.TryGetProperty("expected", out var expected))
        {
            Assert.Equal(expected.GetString(), template.Render(messages, addGenerationPrompt));
        }
        else
        {
            var error = Assert.Throws<ChatTemplateException>(() => template.Render(messages, addGenerationPrompt));
            Assert.Contains(@case.GetProperty("error").GetString()!, error.Message);
        }
    }

    [Fact]
    public void Every_built_in_template_has_golden_cases()
    {
        var covered = Templates.Where(t => t.GetProperty("kind").GetString() == "builtin")
                               .Select(t => t.GetProperty("name").GetString()).ToHashSet();
        Assert.All(ChatTemplate.BuiltInNames, name => Assert.Contains(name, covered));
    }

    [Fact]
    public void The_fixture_families_raise_where_their_templates_refuse_a_conversation()
    {
        // Guards the fixture itself: the raising cases must be present, or the error path above would go untested.
        bool Raises(string template, string conversation) =>
            Templates.Single(t => t.GetProperty("name").GetString() == template).GetProperty("cases").EnumerateArray()
                .Any(c => c.GetProperty("conversation").GetString() == conversation && c.TryGetProperty("error", out _));
        Assert.True(Raises("gemma-it", "system_single_turn"));
        Assert.True(Raises("mistral-7b-instruct", "two_users_in_a_row"));
        Assert.True(Raises("llama-2-chat", "assistant_first"));
        Assert.False(Raises("llama-2-chat", "system_multi_turn_ending_assistant"));
    }

    private static ChatTemplate Build(JsonElement fixture)
    {
        var name = fixture.GetProperty("name").GetString()!;
        var tokens = fixture.GetProperty("special_tokens");
        string? Token(string key) => tokens.TryGetProperty(key, out var v) ? v.GetString() : null;
        var kind = fixture.GetProperty("kind").GetString()!;
        if (kind == "builtin") return ChatTemplate.BuiltIn(name, Token("bos_token"), Token("eos_token"));
        var source = File.ReadAllText(Path.Combine(FixtureDir, kind["file:".Length..]));
        return new ChatTemplate(name, source, Token("bos_token"), Token("eos_token"), Token("unk_token"), Token("pad_token"));
    }
}
