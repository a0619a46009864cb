using TuneSharp.Tokenization.ChatTemplates;

namespace TuneSharp.Tests.Tokenization.ChatTemplates;

/// <summary>Where a run's chat template comes from: the model's tokenizer_config.json, a built-in name, or a file.</summary>
public sealed class ChatTemplateResolveTests
{
    private static readonly ChatMessage[] Conversation = [new("user", "Hi"), new("assistant", "Hello")];

    private static void WriteConfig(TempDir dir, string json, string? specialTokensMap = null)
    {
        File.WriteAllText(dir.File("tokenizer_config.json"), json);
        if (specialTokensMap is not null) File.WriteAllText(dir.File("special_tokens_map.json"), specialTokensMap);
    }

    [Fact]
    public void The_models_template_is_read_with_its_special_tokens_including_added_token_dicts()
    {
        using var dir = new TempDir();
        WriteConfig(dir, """
            {"chat_template": "{{ bos_token }}{% for m in messages %}{{ m.content }}{{ eos_token }}{% endfor %}",
             "bos_token": {"content": "<B>", "lstrip": false}, "eos_token": "<E-config>"}
            """, """{"eos_token": {"content": "<E>"}}""");
        var template = ChatTemplate.FromTokenizerConfig(dir.Path);
        Assert.NotNull(template);
        // special_tokens_map.json wins over tokenizer_config.json, as in transformers.
        Assert.Equal("<B>Hi<E>Hello<E>", template.Render(Conversation, addGenerationPrompt: false));
        Assert.Contains("tokenizer_config.json", template.Name);
    }

    [Fact]
    public void The_list_form_takes_the_template_named_default()
    {
        using var dir = new TempDir();
        WriteConfig(dir, """
            {"chat_template": [{"name": "tool_use", "template": "TOOLS"}, {"name": "default", "template": "DEFAULT {{ messages | length }}"}]}
            """);
        Assert.Equal("DEFAULT 2", ChatTemplate.FromTokenizerConfig(dir.Path)!.Render(Conversation, false));
    }

    [Fact]
    public void One_of_the_models_named_templates_can_be_chosen_by_name()
    {
        using var dir = new TempDir();
        WriteConfig(dir, """{"chat_template": [{"name": "default", "template": "D"}, {"name": "rag", "template": "RAG {{ messages | length }}"}]}""");
        Assert.Equal("RAG 2", ChatTemplate.Resolve("rag", dir.Path).Render(Conversation, false));
        Assert.Equal("D", ChatTemplate.Resolve(null, dir.Path).Render(Conversation, false));
    }

    [Fact]
    public void The_list_form_without_a_default_is_an_error_naming_the_templates()
    {
        using var dir = new TempDir();
        WriteConfig(dir, """{"chat_template": [{"name": "tool_use", "template": "T"}, {"name": "rag", "template": "R"}]}""");
        var error = Assert.Throws<ChatTemplateException>(() => ChatTemplate.FromTokenizerConfig(dir.Path));
        Assert.Contains("rag, tool_use", error.Message);
    }

    [Fact]
    public void A_model_without_a_template_has_none()
    {
        var model = SharedDataOrTemp(out var temp);
        using (temp) Assert.Null(ChatTemplate.FromTokenizerConfig(model));
    }

    [Fact]
    public void Resolving_nothing_for_a_model_without_a_template_tells_the_user_how_to_choose_one()
    {
        var model = SharedDataOrTemp(out var temp);
        using (temp)
        {
            var error = Assert.Throws<ChatTemplateException>(() => ChatTemplate.Resolve(null, model));
            // The library names the setting (the CLI shows it as --chat-template), never a flag.
            Assert.Contains("choose one with chat_template", error.Message);
            Assert.DoesNotContain("--chat-template", error.Message);
            Assert.All(ChatTemplate.BuiltInNames, name => Assert.Contains(name, error.Message));
            Assert.Equal("chat_template", error.Setting);
        }
    }

    [Fact]
    public void Resolving_nothing_takes_the_models_own_template()
    {
        using var dir = new TempDir();
        WriteConfig(dir, """{"chat_template": "own:{{ messages[0].content }}"}""");
        Assert.Equal("own:Hi", ChatTemplate.Resolve(null, dir.Path).Render(Conversation, false));
    }

    [Fact]
    public void A_built_in_name_gets_the_models_special_tokens()
    {
        using var dir = new TempDir();
        WriteConfig(dir, """{"bos_token": "<s>", "eos_token": "</s>", "chat_template": "ignored"}""");
        var template = ChatTemplate.Resolve("mistral", dir.Path);
        Assert.Equal("mistral", template.Name);
        Assert.Equal("<s>[INST] Hi [/INST]Hello</s>", template.Render(Conversation, false));
    }

    [Fact]
    public void A_jinja_file_or_a_json_file_with_chat_template_is_read()
    {
        using var dir = new TempDir();
        WriteConfig(dir, """{"eos_token": "</s>"}""");
        File.WriteAllText(dir.File("mine.jinja"), "{% for m in messages %}{{ m.role }}:{{ m.content }}{{ eos_token }}{% endfor %}\n");
        File.WriteAllText(dir.File("other.json"), """{"chat_template": "json {{ messages | length }}"}""");
        Assert.Equal("user:Hi</s>assistant:Hello</s>", ChatTemplate.Resolve(dir.File("mine.jinja"), dir.Path).Render(Conversation, false));
        Assert.Equal("json 2", ChatTemplate.Resolve(dir.File("other.json"), dir.Path).Render(Conversation, false));
    }

    [Fact]
    public void An_unknown_option_is_an_error_listing_the_built_in_names()
    {
        using var dir = new TempDir();
        var error = Assert.Throws<ChatTemplateException>(() => ChatTemplate.Resolve("vicuna", dir.Path));
        Assert.Contains("'vicuna'", error.Message);
        Assert.Contains("chatml, alpaca, llama-2, llama-3, zephyr, mistral", error.Message);
    }

    [Fact]
    public void A_built_in_that_ends_turns_with_eos_needs_an_eos_token()
    {
        var error = Assert.Throws<ChatTemplateException>(() => ChatTemplate.BuiltIn("zephyr", null, null));
        Assert.Contains("eos_token", error.Message);
        Assert.Throws<ChatTemplateException>(() => ChatTemplate.BuiltIn("nope", "<s>", "</s>"));
    }

    [Theory]
    [InlineData("chatml", "<|im_end|>")]
    [InlineData("alpaca", "</s>")]
    [InlineData("llama-2", " </s>")] // Llama-2-chat writes a space before EOS
    [InlineData("llama-3", "<|eot_id|>")]
    [InlineData("zephyr", "</s>")]
    [InlineData("mistral", "</s>")]
    public void Every_built_in_ends_each_assistant_message_with_the_end_of_turn_marker(string name, string marker)
    {
        var template = ChatTemplate.BuiltIn(name, "<s>", name == "llama-3" ? "<|eot_id|>" : name == "chatml" ? "<|im_end|>" : "</s>");
        ChatMessage[] conversation = [new("user", "Q1"), new("assistant", "A1"), new("user", "Q2"), new("assistant", "A2")];
        var text = template.Render(conversation, addGenerationPrompt: false);
        Assert.Contains("A1" + marker, text);
        Assert.EndsWith("A2" + marker, text.TrimEnd('\n'));
    }

    [Fact]
    public void A_generation_prompt_opens_the_assistant_turn()
    {
        var text = ChatTemplate.BuiltIn("chatml", null, "<|im_end|>").Render([new("user", "Hi")], addGenerationPrompt: true);
        Assert.Equal("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n", text);
    }

    /// <summary>stories260K (no chat_template) from ../shared when present, else a folder with a template-less config.</summary>
    private static string SharedDataOrTemp(out TempDir? temp)
    {
        temp = null;
        var shared = SharedData.Root is null ? null : Path.Combine(SharedData.Root, "models", "stories260K");
        if (shared is not null && Directory.Exists(shared)) return shared;
        temp = new TempDir();
        File.WriteAllText(temp.File("tokenizer_config.json"), """{"bos_token": "<s>"}""");
        return temp.Path;
    }
}
