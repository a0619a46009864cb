using System.Text.Json;
using System.Text.Json.Nodes;
using TuneSharp.Tokenization.ChatTemplates.Jinja;

namespace TuneSharp.Tokenization.ChatTemplates;

/// <summary>
/// A Jinja chat template with the tokenizer's special tokens bound, rendered as transformers 4.40's
/// <c>apply_chat_template(messages, tokenize=False, add_generation_prompt=...)</c> renders it: the template sees
/// <c>messages</c> (dicts with <c>role</c> and <c>content</c>), <c>add_generation_prompt</c>, <c>bos_token</c>,
/// <c>eos_token</c>, <c>unk_token</c>, <c>pad_token</c> (each only when the tokenizer has it) and
/// <c>raise_exception(message)</c>. Parsed once; <see cref="Render"/> keeps no state between calls, so one instance may
/// render from several threads.
/// </summary>
public sealed class ChatTemplate : IChatTemplate
{
    private readonly JinjaTemplate _template;
    private readonly Dictionary<string, object?> _specialTokens = new(StringComparer.Ordinal);

    /// <summary>Compiles <paramref name="source"/> with the given special tokens (null ones stay undefined in the template).</summary>
    /// <exception cref="ChatTemplateException">The source is not valid Jinja or uses an unsupported tag.</exception>
    public ChatTemplate(string name, string source, string? bosToken, string? eosToken,
                        string? unkToken = null, string? padToken = null, IReadOnlyList<string>? additionalSpecialTokens = null)
    {
        Name = name;
        Source = source;
        _template = JinjaTemplate.Parse(source, name);
        foreach (var (key, token) in new[] { ("bos_token", bosToken), ("eos_token", eosToken), ("unk_token", unkToken), ("pad_token", padToken) })
            if (token is not null) _specialTokens[key] = token;
        if (additionalSpecialTokens is { Count: > 0 }) _specialTokens["additional_special_tokens"] = additionalSpecialTokens.ToList();
    }

    /// <summary>The names <see cref="BuiltIn"/> and <see cref="Resolve"/> accept.</summary>
    public static IReadOnlyList<string> BuiltInNames { get; } = BuiltInChatTemplates.All.Keys.ToArray();

    /// <inheritdoc />
    public string Name { get; }

    /// <summary>The Jinja text of the template.</summary>
    public string Source { get; }

    /// <inheritdoc />
    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var variables = new Dictionary<string, object?>(_specialTokens, StringComparer.Ordinal)
        {
            ["messages"] = messages,
            ["add_generation_prompt"] = addGenerationPrompt,
        };
        return _template.Render(variables);
    }

    /// <summary>
    /// The model's own template: <c>chat_template</c> of <c>tokenizer_config.json</c> in <paramref name="modelDir"/>
    /// (a string, or transformers' list of <c>{name, template}</c> of which "default" is taken), with the special tokens
    /// of tokenizer_config.json / special_tokens_map.json. Null when the model has no template.
    /// </summary>
    /// <exception cref="ChatTemplateException">chat_template has an unexpected shape or its template does not parse.</exception>
    /// <exception cref="TuneSharpException">tokenizer_config.json or special_tokens_map.json is not valid JSON.</exception>
    public static ChatTemplate? FromTokenizerConfig(string modelDir)
    {
        var config = TokenizerConfig.Load(modelDir);
        var path = Path.Combine(modelDir, "tokenizer_config.json");
        var source = TemplateText(config.Raw["chat_template"], path);
        return source is null ? null : WithTokens(path, source, config);
    }

    /// <summary>The built-in template <paramref name="name"/> (one of <see cref="BuiltInNames"/>) with the given tokens.</summary>
    /// <exception cref="ChatTemplateException">The name is unknown, or the template ends assistant turns with
    /// <c>eos_token</c> and <paramref name="eosToken"/> is null.</exception>
    public static ChatTemplate BuiltIn(string name, string? bosToken, string? eosToken)
    {
        if (!BuiltInChatTemplates.All.TryGetValue(name, out var builtIn))
            throw new ChatTemplateException($"There is no built-in chat template '{name}'; the built-in templates are {ListNames()}.")
                { Setting = "chat_template" };
        if (builtIn.NeedsEos && eosToken is null)
            throw new ChatTemplateException($"The built-in chat template '{name}' ends each assistant message with the tokenizer's " +
                                            "eos_token, but the tokenizer has none.");
        return new ChatTemplate(name, builtIn.Source, bosToken, eosToken);
    }

    /// <summary>
    /// The template a run uses. <paramref name="option"/> (the <c>chat_template</c> setting, CLI <c>--chat-template</c>)
    /// null means the model's own template; otherwise it is the name of one of the model's templates (when
    /// tokenizer_config.json holds several), a built-in name, or the path of a file: a <c>.json</c> file's
    /// <c>chat_template</c> field, any other file's whole text. Built-in templates and files get the model's special tokens.
    /// </summary>
    /// <exception cref="ChatTemplateException">The model has no template and none was named, or the option is neither a
    /// built-in name nor an existing file; the message lists the built-in names.</exception>
    public static ChatTemplate Resolve(string? option, string modelDir)
    {
        if (option is null)
            return FromTokenizerConfig(modelDir) ?? throw new ChatTemplateException(
                $"The model in '{modelDir}' has no chat template in its tokenizer_config.json; choose one with chat_template: " +
                $"a built-in name ({ListNames()}) or the path of a .jinja file.") { Setting = "chat_template" };

        var config = TokenizerConfig.Load(modelDir);
        // As in transformers, a model that ships several named templates may be asked for one by name.
        var configPath = Path.Combine(modelDir, "tokenizer_config.json");
        if (NamedTemplates(config.Raw["chat_template"], configPath).TryGetValue(option, out var named))
            return WithTokens($"{configPath} ({option})", named, config);
        if (BuiltInChatTemplates.All.ContainsKey(option)) return BuiltIn(option, config.BosToken, config.EosToken);
        if (File.Exists(option))
        {
            var text = File.ReadAllText(option);
            var source = option.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? TemplateFromJsonFile(text, option) : text;
            return WithTokens(option, source, config);
        }
        throw new ChatTemplateException(
            $"chat_template '{option}' is neither a built-in template ({ListNames()}) nor an existing file.") { Setting = "chat_template" };
    }

    private static ChatTemplate WithTokens(string name, string source, TokenizerConfig config) =>
        new(name, source, config.BosToken, config.EosToken, config.UnkToken, config.PadToken, config.AdditionalSpecialTokens);

    private static string ListNames() => string.Join(", ", BuiltInNames);

    private static string TemplateFromJsonFile(string text, string path)
    {
        JsonNode? root;
        try { root = JsonNode.Parse(text); }
        catch (JsonException e) { throw new ChatTemplateException($"{path} is not valid JSON: {e.Message}"); }
        return TemplateText(root?["chat_template"], path)
               ?? throw new ChatTemplateException($"{path} has no \"chat_template\" field.");
    }

    /// <summary>The templates of transformers' list form of chat_template by name (empty for a string or no template).</summary>
    private static Dictionary<string, string> NamedTemplates(JsonNode? node, string path)
    {
        var named = new Dictionary<string, string>(StringComparer.Ordinal);
        if (node is not JsonArray list) return named;
        foreach (var entry in list)
        {
            if (entry?["name"]?.GetValueKind() != JsonValueKind.String || entry["template"]?.GetValueKind() != JsonValueKind.String)
                throw new ChatTemplateException($"{path}: each entry of \"chat_template\" must be {{\"name\": ..., \"template\": ...}} with strings.");
            named[entry["name"]!.GetValue<string>()] = entry["template"]!.GetValue<string>();
        }
        return named;
    }

    /// <summary>chat_template as transformers stores it: a string, or a list of {"name", "template"} (take "default").</summary>
    private static string? TemplateText(JsonNode? node, string path)
    {
        switch (node)
        {
            case null: return null;
            case JsonValue value when value.TryGetValue<string>(out var text): return text;
            case JsonArray:
                var named = NamedTemplates(node, path);
                return named.TryGetValue("default", out var fallback) ? fallback : throw new ChatTemplateException(
                    $"{path} has several chat templates and none named \"default\" (names: {string.Join(", ", named.Keys.Order())}); " +
                    "pass one of them as a file, or a built-in name, with the chat_template setting.") { Setting = "chat_template" };
            default:
                throw new ChatTemplateException($"{path}: \"chat_template\" must be a string or a list of {{\"name\", \"template\"}} objects.");
        }
    }
}
