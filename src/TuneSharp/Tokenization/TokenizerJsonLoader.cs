using System.Text.Json;

namespace TuneSharp.Tokenization;

/// <summary>
/// Loads Hugging Face <c>tokenizer.json</c> files (the format of "fast" tokenizers): normalizer, pre-tokenizer,
/// model (WordPiece, BPE, Unigram), post-processor, decoder and added tokens. Microsoft.ML.Tokenizers has no
/// tokenizer.json loader, so the pipeline is implemented here component by component, keeping for every
/// normalised character its span in the original text so that token offsets refer to the caller's string.
/// </summary>
public static class TokenizerJsonLoader
{
    /// <summary>Loads <c>tokenizer.json</c> from a model folder, with special tokens named by its tokenizer_config.json /
    /// special_tokens_map.json (<paramref name="config"/>).</summary>
    internal static TextTokenizer Load(string modelDir, TokenizerConfig config)
        => LoadFile(Path.Combine(modelDir, "tokenizer.json"), config);

    /// <summary>Loads a tokenizer.json file.</summary>
    /// <param name="tokenizerJsonPath">The file.</param>
    /// <param name="config">Settings from tokenizer_config.json / special_tokens_map.json, if any: they name the special
    /// tokens (pad, mask, bos, eos...) and the model's maximum length.</param>
    /// <exception cref="TuneSharpException">The file is missing, is not valid JSON, or uses a component type or field
    /// value that is not supported (the message names the file, the JSON path and the supported values).</exception>
    public static TextTokenizer LoadFile(string tokenizerJsonPath, TokenizerConfig? config = null)
    {
        config ??= TokenizerConfig.Empty;
        if (!File.Exists(tokenizerJsonPath)) throw new TuneSharpException($"{tokenizerJsonPath} does not exist.");
        JsonDocument document;
        try
        {
            var bytes = TokenizerFileBytes.ReadUtf8(tokenizerJsonPath);
            document = JsonDocument.Parse(bytes,
                new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip, MaxDepth = 256 });
            if (Data.JsonValues.HasUnreadableString(bytes, document.RootElement))
            {
                document.Dispose();
                throw new TuneSharpException($"{tokenizerJsonPath}: {Data.JsonValues.UnreadableStringProblem}");
            }
        }
        catch (JsonException e)
        {
            throw new TuneSharpException(
                $"{tokenizerJsonPath} is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}): {e.Message}", e);
        }

        using (document)
        {
            var root = new TokenizerJsonReader(document.RootElement, "", tokenizerJsonPath);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw root.Error("the top level must be a JSON object with a \"model\" field.");

            var model = TokenizerJsonComponents.Model(root.Required("model"));
            var normalizer = TokenizerJsonComponents.Normalizer(root.Optional("normalizer"));
            var preTokenizer = TokenizerJsonComponents.PreTokenizer(root.Optional("pre_tokenizer"));
            var postProcessor = TokenizerJsonComponents.PostProcessor(root.Optional("post_processor"));
            var decoder = TokenizerJsonComponents.Decoder(root.Optional("decoder"));
            var added = TokenizerJsonComponents.AddedTokens(root.Optional("added_tokens"));
            added.AddRange(ConfigSpecialTokens(config, added, model));

            var pipeline = new TokenizerJsonPipeline(model, normalizer, preTokenizer, decoder, added, postProcessor?.TrimOffsets ?? false);
            var specials = SpecialTokensOf(config, pipeline, postProcessor);
            // Without a config naming the pad token, use the one tokenizer.json's own "padding" section names.
            if (specials.Pad is null && root.Optional("padding")?.OptionalString("pad_token") is { } pad && pipeline.TokenToId(pad) is { } padId)
                specials = specials with { Pad = pad, PadId = padId };
            return new TokenizerJsonTokenizer(pipeline, specials, postProcessor?.Template ?? SpecialTokenTemplate.None)
            {
                ModelMaxLength = config.ModelMaxLength,
                SourceFiles = new[] { Path.GetFileName(tokenizerJsonPath) }.Concat(config.SourceFiles).Distinct().ToArray(),
            };
        }
    }

    /// <summary>Special tokens that tokenizer_config.json / special_tokens_map.json declare but tokenizer.json does not list
    /// among its added tokens (transformers registers them when loading, so they are matched literally in text too).</summary>
    private static IEnumerable<TokenizerJsonAddedToken> ConfigSpecialTokens(TokenizerConfig config, List<TokenizerJsonAddedToken> added,
                                                                            TokenizerJsonModel model)
    {
        var ids = added.Select(t => t.Id).ToHashSet();
        var contents = added.Select(t => t.Content).ToHashSet(StringComparer.Ordinal);
        foreach (var info in config.AddedTokensDecoder.Values)
        {
            if (!ids.Add(info.Id) || !contents.Add(info.Content)) continue;
            yield return new TokenizerJsonAddedToken(info.Id, info.Content, info.Special, info.LStrip, info.RStrip, info.Normalized, info.SingleWord);
        }
        foreach (var token in config.AllSpecialTokens())
        {
            if (contents.Contains(token) || model.TokenToId(token) is not { } id || !ids.Add(id)) continue;
            contents.Add(token);
            yield return new TokenizerJsonAddedToken(id, token, Special: true);
        }
    }

    private static SpecialTokens SpecialTokensOf(TokenizerConfig config, TokenizerJsonPipeline pipeline, TokenizerJsonPostProcessor? post)
    {
        string? unk = config.UnkToken ?? pipeline.Model.UnkToken;
        string? cls = config.ClsToken ?? post?.Cls?.Token;
        string? sep = config.SepToken ?? post?.Sep?.Token;
        int? Id(string? token) => token is null ? null : pipeline.TokenToId(token);
        return new SpecialTokens
        {
            Unk = unk, UnkId = Id(unk),
            Pad = config.PadToken, PadId = Id(config.PadToken),
            Cls = cls, ClsId = Id(cls) ?? (cls == post?.Cls?.Token ? post?.Cls?.Id : null),
            Sep = sep, SepId = Id(sep) ?? (sep == post?.Sep?.Token ? post?.Sep?.Id : null),
            Mask = config.MaskToken, MaskId = Id(config.MaskToken),
            Bos = config.BosToken, BosId = Id(config.BosToken),
            Eos = config.EosToken, EosId = Id(config.EosToken),
        };
    }
}
