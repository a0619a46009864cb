using System.Text.Json;
using System.Text.Json.Nodes;

namespace TuneSharp.Tokenization;

/// <summary>An entry of tokenizer_config.json's <c>added_tokens_decoder</c> (token id → how the token is matched).</summary>
public sealed record AddedTokenInfo(int Id, string Content, bool Special, bool LStrip = false, bool RStrip = false,
                                    bool Normalized = false, bool SingleWord = false);

/// <summary>
/// The settings Hugging Face keeps beside the vocabulary: <c>tokenizer_config.json</c> plus
/// <c>special_tokens_map.json</c> (whose entries win, as in transformers). Both files are optional; missing
/// fields are null so each tokenizer can apply its own default. Special tokens may be written as plain strings
/// or as <c>{"content": "..."}</c> objects.
/// </summary>
public sealed class TokenizerConfig
{
    /// <summary>HF writes <c>int(1e30)</c> as model_max_length when a model has no limit; larger values than this are ignored.</summary>
    private const double MaxSensibleLength = 1e9;

    public string? UnkToken { get; init; }
    public string? PadToken { get; init; }
    public string? ClsToken { get; init; }
    public string? SepToken { get; init; }
    public string? MaskToken { get; init; }
    public string? BosToken { get; init; }
    public string? EosToken { get; init; }
    /// <summary><c>additional_special_tokens</c>.</summary>
    public IReadOnlyList<string> AdditionalSpecialTokens { get; init; } = Array.Empty<string>();

    public bool? DoLowerCase { get; init; }
    public bool? AddBosToken { get; init; }
    public bool? AddEosToken { get; init; }
    /// <summary>model_max_length, or null when absent or HF's "no limit" sentinel.</summary>
    public int? ModelMaxLength { get; init; }
    public string? TokenizerClass { get; init; }
    /// <summary>added_tokens_decoder entries by id.</summary>
    public IReadOnlyDictionary<int, AddedTokenInfo> AddedTokensDecoder { get; init; } = new Dictionary<int, AddedTokenInfo>();
    /// <summary>BERT's strip_accents; null means "follow do_lower_case".</summary>
    public bool? StripAccents { get; init; }
    public bool? TokenizeChineseChars { get; init; }
    public PaddingSide? PaddingSide { get; init; }
    public bool? CleanUpTokenizationSpaces { get; init; }
    /// <summary>Llama's legacy flag (null when absent).</summary>
    public bool? Legacy { get; init; }
    public bool? AddPrefixSpace { get; init; }

    /// <summary>tokenizer_config.json as parsed (empty when absent), for fields not modelled above.</summary>
    public JsonObject Raw { get; init; } = new();

    /// <summary>Files that were found and read (file names only).</summary>
    public IReadOnlyList<string> SourceFiles { get; init; } = Array.Empty<string>();

    /// <summary>A configuration with every field unset.</summary>
    public static TokenizerConfig Empty { get; } = new();

    /// <summary>Reads tokenizer_config.json and special_tokens_map.json from <paramref name="modelDir"/> (either may be absent).</summary>
    /// <exception cref="TuneSharpException">A file is not valid JSON or a field has the wrong type (the message names file and line/field).</exception>
    public static TokenizerConfig Load(string modelDir)
    {
        var configPath = Path.Combine(modelDir, "tokenizer_config.json");
        var mapPath = Path.Combine(modelDir, "special_tokens_map.json");
        var config = ReadObject(configPath) ?? new JsonObject();
        var map = ReadObject(mapPath) ?? new JsonObject();
        var files = new[] { configPath, mapPath }.Where(File.Exists).Select(Path.GetFileName).ToArray();

        // special_tokens_map.json overrides tokenizer_config.json, as in transformers' from_pretrained.
        string? Special(string key) => TokenString(map[key], mapPath, key) ?? TokenString(config[key], configPath, key);

        var additional = map["additional_special_tokens"] is JsonArray fromMap ? (fromMap, mapPath)
                       : config["additional_special_tokens"] is JsonArray fromConfig ? (fromConfig, configPath)
                       : (new JsonArray(), configPath);

        return new TokenizerConfig
        {
            UnkToken = Special("unk_token"),
            PadToken = Special("pad_token"),
            ClsToken = Special("cls_token"),
            SepToken = Special("sep_token"),
            MaskToken = Special("mask_token"),
            BosToken = Special("bos_token"),
            EosToken = Special("eos_token"),
            AdditionalSpecialTokens = additional.Item1
                .Select((n, i) => TokenString(n, additional.Item2, $"additional_special_tokens[{i}]"))
                .OfType<string>().ToArray(),
            DoLowerCase = Bool(config, "do_lower_case", configPath),
            AddBosToken = Bool(config, "add_bos_token", configPath),
            AddEosToken = Bool(config, "add_eos_token", configPath),
            ModelMaxLength = MaxLength(config, configPath),
            TokenizerClass = String(config, "tokenizer_class", configPath),
            AddedTokensDecoder = AddedTokens(config, configPath),
            StripAccents = Bool(config, "strip_accents", configPath),
            TokenizeChineseChars = Bool(config, "tokenize_chinese_chars", configPath),
            PaddingSide = String(config, "padding_side", configPath) switch
            {
                null => null,
                "right" => Tokenization.PaddingSide.Right,
                "left" => Tokenization.PaddingSide.Left,
                var other => throw new TuneSharpException($"{configPath}: \"padding_side\" must be \"left\" or \"right\", got \"{other}\"."),
            },
            CleanUpTokenizationSpaces = Bool(config, "clean_up_tokenization_spaces", configPath),
            Legacy = Bool(config, "legacy", configPath),
            AddPrefixSpace = Bool(config, "add_prefix_space", configPath),
            Raw = config,
            SourceFiles = files!,
        };
    }

    /// <summary>Every special token string the files name (for recognising them literally in text).</summary>
    public IEnumerable<string> AllSpecialTokens()
        => new[] { UnkToken, PadToken, ClsToken, SepToken, MaskToken, BosToken, EosToken }.OfType<string>()
            .Concat(AdditionalSpecialTokens)
            .Concat(AddedTokensDecoder.Values.Where(t => t.Special).Select(t => t.Content))
            .Distinct();

    private static JsonObject? ReadObject(string path)
    {
        if (!File.Exists(path)) return null;
        JsonNode? node;
        try
        {
            var options = new JsonDocumentOptions
            {
                AllowTrailingCommas = true,
                CommentHandling = JsonCommentHandling.Skip,
                AllowDuplicateProperties = false, // else the first lookup would throw an ArgumentException
            };
            var text = File.ReadAllText(path);
            // JsonNode reads strings lazily; an unreadable one would throw an InvalidOperationException much later.
            using (var check = JsonDocument.Parse(text, options))
                if (Data.JsonValues.HasUnreadableString(System.Text.Encoding.UTF8.GetBytes(text), check.RootElement))
                    throw new TuneSharpException($"{path}: {Data.JsonValues.UnreadableStringProblem}");
            node = JsonNode.Parse(text, documentOptions: options);
        }
        catch (JsonException e)
        {
            throw new TuneSharpException($"{path} is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}): {e.Message}", e);
        }
        catch (InvalidOperationException e) // the duplicate-key check reads keys, and a key can be unreadable text
        {
            throw new TuneSharpException($"{path}: {Data.JsonValues.UnreadableStringProblem}", e);
        }
        return node as JsonObject ?? throw new TuneSharpException($"{path} must contain a JSON object at the top level.");
    }

    /// <summary>A special token written as "text", {"content": "text", ...}, or null.</summary>
    private static string? TokenString(JsonNode? node, string path, string field) => node switch
    {
        null => null,
        JsonValue v when v.TryGetValue(out string? s) => s,
        JsonObject o when o["content"] is JsonValue c && c.TryGetValue(out string? s) => s,
        _ => throw new TuneSharpException($"{path}: \"{field}\" must be a string or an object with a \"content\" string, got {node.ToJsonString()}."),
    };

    private static bool? Bool(JsonObject obj, string field, string path) => obj[field] switch
    {
        null => null,
        JsonValue v when v.TryGetValue(out bool b) => b,
        var other => throw new TuneSharpException($"{path}: \"{field}\" must be true, false or null, got {other.ToJsonString()}."),
    };

    private static string? String(JsonObject obj, string field, string path) => obj[field] switch
    {
        null => null,
        JsonValue v when v.TryGetValue(out string? s) => s,
        var other => throw new TuneSharpException($"{path}: \"{field}\" must be a string, got {other.ToJsonString()}."),
    };

    private static int? MaxLength(JsonObject obj, string path)
    {
        var node = obj["model_max_length"];
        if (node is null) return null;
        if (node is not JsonValue v || !v.TryGetValue(out double value) || value < 1 || value != Math.Floor(value))
            throw new TuneSharpException($"{path}: \"model_max_length\" must be a positive integer, got {node.ToJsonString()}.");
        return value > MaxSensibleLength ? null : (int)value;
    }

    private static Dictionary<int, AddedTokenInfo> AddedTokens(JsonObject obj, string path)
    {
        var result = new Dictionary<int, AddedTokenInfo>();
        if (obj["added_tokens_decoder"] is null) return result;
        if (obj["added_tokens_decoder"] is not JsonObject decoder)
            throw new TuneSharpException($"{path}: \"added_tokens_decoder\" must be an object mapping ids to tokens.");
        foreach (var (key, value) in decoder)
        {
            if (!int.TryParse(key, out int id) || id < 0)
                throw new TuneSharpException($"{path}: added_tokens_decoder key \"{key}\" is not a token id.");
            string field = $"added_tokens_decoder[\"{key}\"]";
            if (value is not JsonObject entry)
                throw new TuneSharpException($"{path}: {field} must be an object with \"content\".");
            var content = TokenString(entry, path, field)
                ?? throw new TuneSharpException($"{path}: {field} has no \"content\".");
            result[id] = new AddedTokenInfo(id, content,
                Special: Bool(entry, "special", path) ?? false,
                LStrip: Bool(entry, "lstrip", path) ?? false,
                RStrip: Bool(entry, "rstrip", path) ?? false,
                Normalized: Bool(entry, "normalized", path) ?? false,
                SingleWord: Bool(entry, "single_word", path) ?? false);
        }
        return result;
    }
}
