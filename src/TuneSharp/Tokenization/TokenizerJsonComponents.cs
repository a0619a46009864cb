using System.Text;
using System.Text.RegularExpressions;

namespace TuneSharp.Tokenization;

/// <summary>Special-token placement and offset handling read from tokenizer.json's "post_processor".</summary>
internal sealed record TokenizerJsonPostProcessor(SpecialTokenTemplate Template, bool TrimOffsets,
                                                  (string Token, int Id)? Cls = null, (string Token, int Id)? Sep = null);

/// <summary>Builds pipeline components from the sections of a tokenizer.json file.</summary>
internal static class TokenizerJsonComponents
{
    private static readonly string[] NormalizerTypes =
        ["Sequence", "BertNormalizer", "Lowercase", "NFC", "NFD", "NFKC", "NFKD", "StripAccents", "Strip", "Replace", "Prepend", "Precompiled"];
    private static readonly string[] PreTokenizerTypes =
        ["Sequence", "BertPreTokenizer", "Whitespace", "WhitespaceSplit", "ByteLevel", "Metaspace", "Split", "Punctuation", "Digits"];
    private static readonly string[] ModelTypes = ["WordPiece", "BPE", "Unigram"];
    private static readonly string[] PostProcessorTypes = ["TemplateProcessing", "BertProcessing", "RobertaProcessing", "ByteLevel", "Sequence"];
    private static readonly string[] DecoderTypes =
        ["WordPiece", "ByteLevel", "Metaspace", "BPEDecoder", "ByteFallback", "Fuse", "Strip", "Replace", "Sequence"];
    private static readonly string[] Behaviors = ["Removed", "Isolated", "MergedWithPrevious", "MergedWithNext", "Contiguous"];

    public static TokenizerJsonNormalizer? Normalizer(TokenizerJsonReader? json)
    {
        if (json is not { } j) return null;
        return j.Type("normalizer", NormalizerTypes) switch
        {
            "Sequence" => new JsonSequenceNormalizer(j.Required("normalizers").Items().Select(n => Normalizer(n)!).ToArray()),
            "BertNormalizer" => BertNormalizer(j),
            "Lowercase" => new JsonLowercaseNormalizer(),
            "NFC" => new JsonUnicodeFormNormalizer(NormalizationForm.FormC),
            "NFD" => new JsonUnicodeFormNormalizer(NormalizationForm.FormD),
            "NFKC" => new JsonUnicodeFormNormalizer(NormalizationForm.FormKC),
            "NFKD" => new JsonUnicodeFormNormalizer(NormalizationForm.FormKD),
            "StripAccents" => new JsonStripAccentsNormalizer(),
            "Strip" => new JsonStripNormalizer(j.Bool("strip_left", true), j.Bool("strip_right", true)),
            "Replace" => new JsonReplaceNormalizer(Pattern(j.Required("pattern")), j.String("content")),
            "Prepend" => new JsonPrependNormalizer(j.String("prepend")),
            _ => Precompiled(j),
        };
    }

    /// <summary>"Precompiled": SentencePiece's compiled rules, base64 in precompiled_charsmap (absent or empty: no rules).</summary>
    private static TokenizerJsonNormalizer Precompiled(TokenizerJsonReader j)
    {
        var encoded = j.OptionalString("precompiled_charsmap");
        if (string.IsNullOrEmpty(encoded)) return new JsonSequenceNormalizer(Array.Empty<TokenizerJsonNormalizer>());
        byte[] blob;
        try { blob = Convert.FromBase64String(encoded); }
        catch (FormatException) { throw j.Error($"\"{j.Describe("precompiled_charsmap")}\" is not valid base64."); }
        return new JsonPrecompiledNormalizer(SentencePieceCharsMap.Parse(blob, $"{j.File}: \"{j.Describe("precompiled_charsmap")}\""));
    }

    private static JsonBertNormalizer BertNormalizer(TokenizerJsonReader j)
    {
        bool lowercase = j.Bool("lowercase", true);
        return new JsonBertNormalizer(j.Bool("clean_text", true), j.Bool("handle_chinese_chars", true),
                                      j.Optional("strip_accents")?.AsBool() ?? lowercase, lowercase);
    }

    public static TokenizerJsonPreTokenizer? PreTokenizer(TokenizerJsonReader? json)
    {
        if (json is not { } j) return null;
        return j.Type("pre_tokenizer", PreTokenizerTypes) switch
        {
            "Sequence" => new JsonSequencePreTokenizer(j.Required("pretokenizers").Items().Select(p => PreTokenizer(p)!).ToArray()),
            "BertPreTokenizer" => new JsonBertPreTokenizer(),
            "Whitespace" => new JsonWhitespacePreTokenizer(),
            "WhitespaceSplit" => new JsonWhitespaceSplitPreTokenizer(),
            "ByteLevel" => new JsonByteLevelPreTokenizer(j.Bool("add_prefix_space", true), j.Bool("use_regex", true)),
            "Metaspace" => new JsonMetaspacePreTokenizer(Replacement(j), PrependScheme(j), j.Bool("split", true)),
            "Split" => new JsonSplitPreTokenizer(Pattern(j.Required("pattern")), Behavior(j.Required("behavior")), j.Bool("invert", false)),
            "Punctuation" => new JsonPunctuationPreTokenizer(j.Optional("behavior") is { } b ? Behavior(b) : TokenizerJsonSplitBehavior.Isolated),
            _ => new JsonDigitsPreTokenizer(j.Bool("individual_digits", false)),
        };
    }

    /// <summary>A {"String": "..."} or {"Regex": "..."} pattern as a regex (the regex syntax is Oniguruma's in Hugging
    /// Face; the patterns real tokenizers use are also valid .NET regexes).</summary>
    private static Regex Pattern(TokenizerJsonReader j)
    {
        if (j.OptionalString("String") is { } literal) return new Regex(Regex.Escape(literal), RegexOptions.CultureInvariant);
        if (j.OptionalString("Regex") is { } regex)
        {
            try { return new Regex(regex, RegexOptions.CultureInvariant); }
            catch (ArgumentException e) { throw j.Error($"\"{j.Describe("Regex")}\" is not a regex .NET understands: {e.Message}"); }
        }
        throw j.Error($"\"{j.Path}\" must be {{\"String\": ...}} or {{\"Regex\": ...}}.");
    }

    private static TokenizerJsonSplitBehavior Behavior(TokenizerJsonReader j)
    {
        var name = j.AsString();
        return Enum.TryParse<TokenizerJsonSplitBehavior>(name, out var b) && Behaviors.Contains(name) ? b
            : throw j.Error($"unsupported split behavior \"{name}\" at \"{j.Path}\"; supported: {string.Join(", ", Behaviors)}.");
    }

    private static char Replacement(TokenizerJsonReader j)
    {
        var s = j.OptionalString("replacement") ?? "\u2581";
        return s.Length == 1 ? s[0] : throw j.Error($"\"{j.Describe("replacement")}\" must be a single character, got \"{s}\".");
    }

    /// <summary>prepend_scheme ("always", "first", "never"), or the older add_prefix_space flag.</summary>
    private static TokenizerJsonPrependScheme PrependScheme(TokenizerJsonReader j)
    {
        if (j.Optional("prepend_scheme") is { } scheme)
        {
            return scheme.AsString() switch
            {
                "always" => TokenizerJsonPrependScheme.Always,
                "first" => TokenizerJsonPrependScheme.First,
                "never" => TokenizerJsonPrependScheme.Never,
                var other => throw j.Error($"unsupported prepend_scheme \"{other}\" at \"{scheme.Path}\"; supported: always, first, never."),
            };
        }
        return j.Bool("add_prefix_space", true) ? TokenizerJsonPrependScheme.Always : TokenizerJsonPrependScheme.Never;
    }

    public static TokenizerJsonModel Model(TokenizerJsonReader j)
    {
        // Files written by old versions of tokenizers have no model "type"; recognise the model by its fields.
        string type = j.Has("type") ? j.Type("model", ModelTypes)
            : j.Has("merges") ? "BPE"
            : j.Optional("vocab")?.Element.ValueKind == System.Text.Json.JsonValueKind.Array ? "Unigram"
            : j.Has("max_input_chars_per_word") ? "WordPiece"
            : throw j.Error($"\"{j.Describe("type")}\" is missing; supported: {string.Join(", ", ModelTypes)}.");
        try
        {
            return type switch
            {
                "WordPiece" => new TokenizerJsonWordPieceModel(Vocabulary(j.Required("vocab")), j.OptionalString("unk_token") ?? "[UNK]",
                    j.OptionalString("continuing_subword_prefix") ?? "##", j.Int("max_input_chars_per_word", 100)),
                "BPE" => new TokenizerJsonBpeModel(Vocabulary(j.Required("vocab")), Merges(j.Optional("merges")), new TokenizerJsonBpeOptions
                {
                    UnkToken = j.OptionalString("unk_token"),
                    ContinuingSubwordPrefix = NonEmpty(j.OptionalString("continuing_subword_prefix")),
                    EndOfWordSuffix = NonEmpty(j.OptionalString("end_of_word_suffix")),
                    FuseUnk = j.Bool("fuse_unk", false),
                    ByteFallback = j.Bool("byte_fallback", false),
                    IgnoreMerges = j.Bool("ignore_merges", false),
                }),
                _ => new TokenizerJsonUnigramModel(j.Required("vocab").Items().Select(UnigramPiece).ToArray(),
                    j.Optional("unk_id")?.AsInt(), j.Bool("byte_fallback", false)),
            };
        }
        catch (ArgumentException e)
        {
            throw j.Error($"\"{j.Path}\" ({type}): {e.Message}.");
        }
    }

    private static string? NonEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    private static Dictionary<string, int> Vocabulary(TokenizerJsonReader j)
    {
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (token, id) in j.Properties())
        {
            int value = id.AsInt();
            if (value < 0) throw j.Error($"\"{id.Path}\" must be a non-negative id, got {value}.");
            vocab[token] = value;
        }
        return vocab;
    }

    /// <summary>Merges written as "left right" strings (older files) or [left, right] arrays (tokens may contain spaces).</summary>
    private static List<(string, string)> Merges(TokenizerJsonReader? j)
    {
        var merges = new List<(string, string)>();
        if (j is not { } list) return merges;
        foreach (var m in list.Items())
        {
            if (m.Element.ValueKind == System.Text.Json.JsonValueKind.String)
            {
                var parts = m.AsString().Split(' ');
                if (parts.Length != 2) throw m.Error($"\"{m.Path}\" must be two tokens separated by one space, got \"{m.AsString()}\".");
                merges.Add((parts[0], parts[1]));
            }
            else
            {
                var parts = m.Items().Select(p => p.AsString()).ToArray();
                if (parts.Length != 2) throw m.Error($"\"{m.Path}\" must be a [left, right] pair.");
                merges.Add((parts[0], parts[1]));
            }
        }
        return merges;
    }

    private static (string, double) UnigramPiece(TokenizerJsonReader j)
    {
        var parts = j.Items().ToArray();
        if (parts.Length != 2) throw j.Error($"\"{j.Path}\" must be a [piece, score] pair.");
        return (parts[0].AsString(), parts[1].AsDouble());
    }

    public static TokenizerJsonPostProcessor? PostProcessor(TokenizerJsonReader? json)
    {
        if (json is not { } j) return null;
        switch (j.Type("post_processor", PostProcessorTypes))
        {
            case "TemplateProcessing":
            {
                var specials = TemplateSpecials(j.Required("special_tokens"));
                var single = Template(j.Required("single"), specials);
                // A BERT-shaped template ("X $A Y" with two different tokens) names the classifier and separator tokens,
                // for when no tokenizer_config.json says which they are.
                bool bertShaped = single.Length == 3 && single[1].SpecialToken is null && single[0].SpecialToken is { } first
                                  && single[2].SpecialToken is { } last && first != last;
                return new(new SpecialTokenTemplate(single, Template(j.Required("pair"), specials)), false,
                           bertShaped ? (single[0].SpecialToken!, single[0].SpecialTokenId) : null,
                           bertShaped ? (single[2].SpecialToken!, single[2].SpecialTokenId) : null);
            }
            case "BertProcessing":
            {
                var (cls, sep) = (TokenAndId(j.Required("cls")), TokenAndId(j.Required("sep")));
                var single = new[] { TemplatePiece.Special(cls.Token, cls.Id), TemplatePiece.SequenceA(), TemplatePiece.Special(sep.Token, sep.Id) };
                var pair = single.Concat([TemplatePiece.SequenceB(1), TemplatePiece.Special(sep.Token, sep.Id, 1)]).ToArray();
                return new(new SpecialTokenTemplate(single, pair), false, cls, sep);
            }
            case "RobertaProcessing":
            {
                // <s> A </s> and <s> A </s> </s> B </s>; RoBERTa has a single token type, so every type id is 0.
                var (cls, sep) = (TokenAndId(j.Required("cls")), TokenAndId(j.Required("sep")));
                var single = new[] { TemplatePiece.Special(cls.Token, cls.Id), TemplatePiece.SequenceA(), TemplatePiece.Special(sep.Token, sep.Id) };
                var pair = single.Concat([TemplatePiece.Special(sep.Token, sep.Id), TemplatePiece.SequenceB(0), TemplatePiece.Special(sep.Token, sep.Id)]).ToArray();
                return new(new SpecialTokenTemplate(single, pair), j.Bool("trim_offsets", true), cls, sep);
            }
            case "ByteLevel":
                return new(SpecialTokenTemplate.None, j.Bool("trim_offsets", true));
            default:
            {
                TokenizerJsonPostProcessor result = new(SpecialTokenTemplate.None, false);
                foreach (var step in j.Required("processors").Items().Select(p => PostProcessor(p)).OfType<TokenizerJsonPostProcessor>())
                {
                    bool placesTokens = !ReferenceEquals(step.Template, SpecialTokenTemplate.None);
                    result = new(placesTokens ? step.Template : result.Template, result.TrimOffsets || step.TrimOffsets,
                                 step.Cls ?? result.Cls, step.Sep ?? result.Sep);
                }
                return result;
            }
        }
    }

    private static (string Token, int Id) TokenAndId(TokenizerJsonReader j)
    {
        var parts = j.Items().ToArray();
        if (parts.Length != 2) throw j.Error($"\"{j.Path}\" must be a [token, id] pair.");
        return (parts[0].AsString(), parts[1].AsInt());
    }

    private static Dictionary<string, (string[] Tokens, int[] Ids)> TemplateSpecials(TokenizerJsonReader j)
    {
        var result = new Dictionary<string, (string[], int[])>(StringComparer.Ordinal);
        foreach (var (name, value) in j.Properties())
        {
            var ids = value.Required("ids").Items().Select(i => i.AsInt()).ToArray();
            var tokens = value.Required("tokens").Items().Select(t => t.AsString()).ToArray();
            if (ids.Length != tokens.Length) throw value.Error($"\"{value.Path}\" has {ids.Length} ids but {tokens.Length} tokens.");
            result[name] = (tokens, ids);
        }
        return result;
    }

    /// <summary>A template: pieces written as {"SpecialToken": {"id", "type_id"}} / {"Sequence": {"id": "A"|"B", "type_id"}},
    /// or in the short string form "[CLS]", "$A", "$B:1".</summary>
    private static TemplatePiece[] Template(TokenizerJsonReader j, Dictionary<string, (string[] Tokens, int[] Ids)> specials)
    {
        var pieces = new List<TemplatePiece>();
        foreach (var item in j.Items())
        {
            string id; int typeId; bool isSequence;
            if (item.Element.ValueKind == System.Text.Json.JsonValueKind.String)
            {
                var text = item.AsString();
                int colon = text.LastIndexOf(':');
                typeId = 0;
                if (colon > 0 && int.TryParse(text[(colon + 1)..], out var t)) (typeId, text) = (t, text[..colon]);
                isSequence = text is "$A" or "$B" or "$0" or "$1" or "$";
                id = isSequence ? (text is "$B" or "$1" ? "B" : "A") : text;
            }
            else if (item.Optional("Sequence") is { } seq)
            {
                (id, typeId, isSequence) = (seq.String("id"), seq.Int("type_id", 0), true);
            }
            else if (item.Optional("SpecialToken") is { } sp)
            {
                (id, typeId, isSequence) = (sp.String("id"), sp.Int("type_id", 0), false);
            }
            else throw item.Error($"\"{item.Path}\" must be {{\"Sequence\": ...}} or {{\"SpecialToken\": ...}}.");

            if (isSequence)
            {
                pieces.Add(id == "B" ? TemplatePiece.SequenceB(typeId) : TemplatePiece.SequenceA(typeId));
                continue;
            }
            if (!specials.TryGetValue(id, out var special))
                throw item.Error($"\"{item.Path}\" uses special token \"{id}\", which post_processor.special_tokens does not define.");
            for (int k = 0; k < special.Ids.Length; k++) pieces.Add(TemplatePiece.Special(special.Tokens[k], special.Ids[k], typeId));
        }
        return pieces.ToArray();
    }

    public static TokenizerJsonDecoder? Decoder(TokenizerJsonReader? json)
    {
        if (json is not { } j) return null;
        return j.Type("decoder", DecoderTypes) switch
        {
            "Sequence" => new JsonSequenceDecoder(j.Required("decoders").Items().Select(d => Decoder(d)!).ToArray()),
            "WordPiece" => new JsonWordPieceDecoder(j.OptionalString("prefix") ?? "##", j.Bool("cleanup", true)),
            "ByteLevel" => new JsonByteLevelDecoder(),
            "Metaspace" => new JsonMetaspaceDecoder(Replacement(j), PrependScheme(j)),
            "BPEDecoder" => new JsonBpeDecoder(j.OptionalString("suffix") ?? "</w>"),
            "ByteFallback" => new JsonByteFallbackDecoder(),
            "Fuse" => new JsonFuseDecoder(),
            "Strip" => new JsonStripDecoder(StripContent(j), j.Int("start", 0), j.Int("stop", 0)),
            _ => new JsonReplaceDecoder(Pattern(j.Required("pattern")), j.String("content")),
        };
    }

    private static char StripContent(TokenizerJsonReader j)
    {
        var s = j.String("content");
        return s.Length == 1 ? s[0] : throw j.Error($"\"{j.Describe("content")}\" must be a single character, got \"{s}\".");
    }

    /// <summary>The "added_tokens" list.</summary>
    public static List<TokenizerJsonAddedToken> AddedTokens(TokenizerJsonReader? json)
    {
        var result = new List<TokenizerJsonAddedToken>();
        if (json is not { } list) return result;
        foreach (var t in list.Items())
        {
            bool special = t.Bool("special", false);
            result.Add(new TokenizerJsonAddedToken(t.Required("id").AsInt(), t.String("content"), special,
                t.Bool("lstrip", false), t.Bool("rstrip", false), t.Bool("normalized", !special), t.Bool("single_word", false)));
        }
        return result;
    }
}
