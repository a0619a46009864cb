using System.Globalization;
using System.Text;
using System.Text.Json;

namespace TuneSharp.Tokenization;

/// <summary>The transformers slow tokenizer whose conventions (ids, special tokens, template, decoding) a SentencePiece
/// model follows.</summary>
internal enum SentencePieceFlavor { Llama, XlmRoberta, Camembert, DebertaV2, T5 }

/// <summary>
/// A SentencePiece <c>.model</c> file (BPE or Unigram) used as transformers' slow tokenizers use it:
/// <list type="bullet">
/// <item>LlamaTokenizer (<c>tokenizer.model</c>, BPE with byte fallback): ids as in the file, <c>&lt;s&gt;</c> in front
/// (tokenizer_config add_bos_token / add_eos_token), legacy Llama decoding;</item>
/// <item>XLMRobertaTokenizer (<c>sentencepiece.bpe.model</c>, a Unigram model despite its name): fairseq ids
/// <c>&lt;s&gt;</c> 0, <c>&lt;pad&gt;</c> 1, <c>&lt;/s&gt;</c> 2, <c>&lt;unk&gt;</c> 3, SentencePiece id k ↦ k + 1,
/// <c>&lt;mask&gt;</c> last; <c>&lt;s&gt; A &lt;/s&gt;</c> and <c>&lt;s&gt; A &lt;/s&gt;&lt;/s&gt; B &lt;/s&gt;</c>, one token type;</item>
/// <item>CamembertTokenizer: the same template; ids 0-4 are <c>&lt;s&gt;NOTUSED</c>, <c>&lt;pad&gt;</c>, <c>&lt;/s&gt;NOTUSED</c>,
/// <c>&lt;unk&gt;</c>, <c>&lt;unk&gt;NOTUSED</c>, SentencePiece id k ↦ k + 4 (its unknown piece ↦ 3), <c>&lt;mask&gt;</c> after them;</item>
/// <item>DebertaV2Tokenizer (<c>spm.model</c>): ids as in the file, <c>[MASK]</c> added after them,
/// <c>[CLS] A [SEP]</c> / <c>[CLS] A [SEP] B [SEP]</c> with token type 1 for B and its [SEP]; do_lower_case and
/// split_by_punct (each punctuation character encoded on its own) from tokenizer_config.json;</item>
/// <item>T5Tokenizer (<c>spiece.model</c>): ids as in the file, <c>&lt;extra_id_i&gt;</c> = pieces + extra_ids − 1 − i,
/// <c>A &lt;/s&gt;</c> / <c>A &lt;/s&gt; B &lt;/s&gt;</c>, one token type (legacy behaviour, the default).</item>
/// </list>
/// The class comes from tokenizer_config.json's tokenizer_class, else config.json's model_type, else the file name.
/// Normalisation is SentencePiece's own (<see cref="SentencePieceNormalizer"/>: the precompiled charsmap, dummy prefix,
/// whitespace rules) with offsets into the caller's text. Added tokens (special tokens, tokenizer_config's
/// added_tokens_decoder) written in the text are cut out first, with their lstrip/rstrip, and every piece of text
/// between them is encoded on its own, as PreTrainedTokenizer.tokenize does.
/// </summary>
public sealed class SentencePieceTokenizer : TextTokenizer
{
    /// <summary>The model file name LlamaTokenizer reads.</summary>
    public const string ModelFileName = "tokenizer.model";

    /// <summary>Every SentencePiece model file name transformers' slow tokenizers use, in the order they are looked for.</summary>
    public static IReadOnlyList<string> ModelFileNames { get; } = [ModelFileName, "sentencepiece.bpe.model", "spm.model", "spiece.model"];

    private const char SpaceMarker = '\u2581'; // "▁"
    private const string UnknownSurface = " \u2047 "; // SentencePiece's default unk_surface
    private readonly SentencePieceModelFile _model;
    private readonly SentencePieceFlavor _flavor;
    private readonly SentencePieceBpe? _bpe;
    private readonly SentencePieceUnigram? _unigram;
    private readonly SentencePieceNormalizer _normalizer;
    private readonly Dictionary<string, int> _pieceToSpm = new(StringComparer.Ordinal);
    private readonly int[] _spmToModel;
    private readonly string?[] _idToToken;
    private readonly Dictionary<string, int> _tokenToId = new(StringComparer.Ordinal);
    private readonly Dictionary<int, AddedTokenInfo> _addedById = new();
    private readonly SpecialTokenSplitter _specialSplitter;
    private readonly HashSet<int> _specialIds;
    private readonly HashSet<string> _allSpecialTokens;
    private readonly HashSet<string> _legacyAddedTokens;
    private readonly int _unkSpmId;
    private readonly bool _legacy, _lowerCase, _splitByPunct, _cleanUp, _t5AddPrefixSpace;

    /// <inheritdoc/>
    public override string Kind => _model.ModelType == 2 ? "SentencePiece" : $"SentencePiece {_model.ModelTypeName}";

    /// <inheritdoc/>
    public override int VocabSize => _idToToken.Length;

    /// <summary>The transformers class whose conventions this tokenizer follows, e.g. "XLMRobertaTokenizer".</summary>
    public string TokenizerClass { get; }

    /// <summary>SentencePiece's model type: "BPE" or "Unigram".</summary>
    public string ModelType => _model.ModelTypeName;

    /// <summary>Whether the template starts every sequence with the BOS (or CLS) token: tokenizer_config's add_bos_token for
    /// Llama (default true); true for XLM-RoBERTa, CamemBERT and DeBERTa-v2; false for T5.</summary>
    public bool AddBos { get; }

    /// <summary>Whether the template ends every sequence with the EOS (or SEP) token: tokenizer_config's add_eos_token for
    /// Llama (default false); true for the others.</summary>
    public bool AddEos { get; }

    private SentencePieceTokenizer(SentencePieceModelFile model, SentencePieceFlavor flavor, TokenizerConfig config, string source)
    {
        _model = model;
        _flavor = flavor;
        TokenizerClass = ClassNames[flavor];
        if (model.ModelType == 2) _bpe = new SentencePieceBpe(model);
        else if (model.ModelType == 1) _unigram = new SentencePieceUnigram(model);
        else throw new TuneSharpException($"{source} is a SentencePiece {model.ModelTypeName} model; only BPE and Unigram models are supported.");
        var charsMap = model.HasPrecompiledCharsMap
            ? SentencePieceCharsMap.Parse(model.PrecompiledCharsMap, $"{source}: normalizer_spec.precompiled_charsmap")
            : null;
        _normalizer = new SentencePieceNormalizer(charsMap, model.Pieces.Where(p => p.Type == SentencePieceType.UserDefined).Select(p => p.Piece),
            model.AddDummyPrefix, model.RemoveExtraWhitespaces, model.EscapeWhitespaces, model.TreatWhitespaceAsSuffix);
        int size = model.Pieces.Length;
        for (int id = 0; id < size; id++) _pieceToSpm.TryAdd(model.Pieces[id].Piece, id);
        _unkSpmId = Array.FindIndex(model.Pieces, p => p.Type == SentencePieceType.Unknown);
        _legacy = config.Legacy ?? true;
        _cleanUp = config.CleanUpTokenizationSpaces ?? true;
        _lowerCase = flavor == SentencePieceFlavor.DebertaV2 && (config.DoLowerCase ?? false);
        _splitByPunct = flavor == SentencePieceFlavor.DebertaV2 && config.Raw["split_by_punct"] is { } sbp && sbp.GetValueKind() == JsonValueKind.True;
        _t5AddPrefixSpace = config.AddPrefixSpace ?? true;
        if (flavor == SentencePieceFlavor.T5 && config.Legacy == false)
            throw new TuneSharpException($"{source}: tokenizer_config.json sets \"legacy\": false, whose T5 behaviour (no dummy prefix after " +
                                         "special tokens) is not supported from spiece.model; provide the model's tokenizer.json, or remove \"legacy\".");

        // XLM-R numbers <mask> after the pieces shifted by one (len(sp_model) + 1): with fewer than the three pieces every
        // SentencePiece model has (<unk>, <s>, </s>) it would take one of the fairseq ids 0-3 and two tokens would share it.
        if (flavor == SentencePieceFlavor.XlmRoberta && size < 3)
            throw new TuneSharpException($"{source} has {size} SentencePiece pieces; an XLM-RoBERTa model has at least <unk>, <s> and </s>, " +
                                         "so its <mask> id would collide with the fairseq ids 0-3 (a truncated or damaged file?).");

        // The vocabulary as transformers' get_vocab() numbers it, before added tokens.
        var vocab = BaseVocabulary(flavor, model, config, out var fixedTokens);
        var ids = new List<string?>(vocab);
        _spmToModel = new int[size];
        for (int id = 0; id < size; id++) _spmToModel[id] = SpmToModel(flavor, id, model.Pieces[id].Piece, fixedTokens);

        var specials = flavor == SentencePieceFlavor.Llama ? LlamaSpecials(config, model) : ClassSpecials(flavor, config);
        var additional = config.AdditionalSpecialTokens.ToList();
        if (flavor == SentencePieceFlavor.Camembert && additional.Count == 0) additional.AddRange(["<s>NOTUSED", "</s>NOTUSED", "<unk>NOTUSED"]);
        int baseVocabSize = ids.Count;

        // Added tokens: the class's own, then tokenizer_config's added_tokens_decoder, then every special token, each
        // at its vocabulary id or appended after the last id (PreTrainedTokenizer._add_tokens).
        foreach (var t in BuiltInAddedTokens(flavor, config, size, specials, ref additional)) _addedById[t.Id] = t;
        if (flavor != SentencePieceFlavor.Llama)
            foreach (var t in config.AddedTokensDecoder.Values) _addedById[t.Id] = t;
        for (int id = 0; id < ids.Count; id++) if (ids[id] is { } token) _tokenToId.TryAdd(token, id);
        void Register(string? token, bool lstrip = false)
        {
            if (token is null || _addedById.Values.Any(a => a.Content == token)) return;
            if (_tokenToId.TryGetValue(token, out var id)) _addedById[id] = new AddedTokenInfo(id, token, Special: true, LStrip: lstrip);
            else if (flavor != SentencePieceFlavor.Llama)
            {
                int next = Math.Max(ids.Count, _addedById.Count == 0 ? 0 : _addedById.Keys.Max() + 1);
                _addedById[next] = new AddedTokenInfo(next, token, Special: true, LStrip: lstrip);
            }
        }
        if (flavor == SentencePieceFlavor.Llama)
            foreach (var t in config.AddedTokensDecoder.Values.Where(t => t.Id < size && model.Pieces[t.Id].Piece == t.Content)) _addedById[t.Id] = t;
        bool maskLStrip = flavor is SentencePieceFlavor.XlmRoberta or SentencePieceFlavor.Camembert;
        foreach (var (name, token) in specials) Register(token, lstrip: name == "mask" && maskLStrip);
        foreach (var token in additional) Register(token);

        int total = Math.Max(ids.Count, _addedById.Count == 0 ? 0 : _addedById.Keys.Max() + 1);
        while (ids.Count < total) ids.Add(null);
        foreach (var t in _addedById.Values) { ids[t.Id] = t.Content; _tokenToId[t.Content] = t.Id; }
        _idToToken = ids.ToArray();

        int? Id(string? token) => token is not null && _tokenToId.TryGetValue(token, out var id) ? id : null;
        (string?, int?) Named(string name) => specials.TryGetValue(name, out var t) && Id(t) is { } id ? (t, id) : (null, null);
        var (unk, unkId) = Named("unk"); var (bos, bosId) = Named("bos"); var (eos, eosId) = Named("eos"); var (pad, padId) = Named("pad");
        var (cls, clsId) = Named("cls"); var (sep, sepId) = Named("sep"); var (mask, maskId) = Named("mask");
        SpecialTokens = new SpecialTokens
        {
            Unk = unk, UnkId = unkId, Bos = bos, BosId = bosId, Eos = eos, EosId = eosId, Pad = pad, PadId = padId,
            Cls = cls, ClsId = clsId, Sep = sep, SepId = sepId, Mask = mask, MaskId = maskId,
        };
        // The unknown piece maps to the tokenizer's unknown token (XLM-RoBERTa's "spm_id or unk_token_id", CamemBERT's
        // "PieceToId == 0 → unk_token_id").
        if (flavor is SentencePieceFlavor.XlmRoberta or SentencePieceFlavor.Camembert && unkId is { } u)
            for (int id = 0; id < size; id++) if (_spmToModel[id] < 0) _spmToModel[id] = u;
        for (int id = 0; id < size; id++) if (_spmToModel[id] < 0) _spmToModel[id] = id;

        if (flavor == SentencePieceFlavor.Llama)
        {
            AddBos = config.AddBosToken ?? true;
            AddEos = config.AddEosToken ?? false;
            if (AddBos && bosId is null) throw new TuneSharpException($"{source}: add_bos_token is true but the model has no BOS token \"{specials.GetValueOrDefault("bos")}\".");
            if (AddEos && eosId is null) throw new TuneSharpException($"{source}: add_eos_token is true but the model has no EOS token \"{specials.GetValueOrDefault("eos")}\".");
        }
        else
        {
            AddBos = flavor != SentencePieceFlavor.T5;
            AddEos = true;
            string Need(string name, string? token, int? id) => id is not null ? token! : throw new TuneSharpException(
                $"{source}: {TokenizerClass} needs its {name} token \"{specials.GetValueOrDefault(name)}\", which is not in the vocabulary.");
            if (flavor == SentencePieceFlavor.T5) Need("eos", eos, eosId);
            else { Need("cls", cls, clsId); Need("sep", sep, sepId); }
        }
        Template = BuildTemplate((bos, bosId), (eos, eosId), (cls, clsId), (sep, sepId));

        _specialSplitter = new SpecialTokenSplitter(_addedById.Values.Select(t => new KeyValuePair<string, int>(t.Content, t.Id)));
        _allSpecialTokens = specials.Values.OfType<string>().Concat(additional).ToHashSet(StringComparer.Ordinal);
        _specialIds = _allSpecialTokens.Select(Id).OfType<int>().ToHashSet();
        if (flavor == SentencePieceFlavor.Llama) // as before: named special tokens and added tokens marked special
            _specialIds.UnionWith(config.AddedTokensDecoder.Values.Where(t => t.Special).Select(t => t.Id));
        _legacyAddedTokens = _addedById.Values.Select(t => t.Content).Where(c => !_allSpecialTokens.Contains(c))
            .Concat(additional.Where(t => Id(t) >= baseVocabSize)).ToHashSet(StringComparer.Ordinal);
    }

    private static readonly Dictionary<SentencePieceFlavor, string> ClassNames = new()
    {
        [SentencePieceFlavor.Llama] = "LlamaTokenizer", [SentencePieceFlavor.XlmRoberta] = "XLMRobertaTokenizer",
        [SentencePieceFlavor.Camembert] = "CamembertTokenizer", [SentencePieceFlavor.DebertaV2] = "DebertaV2Tokenizer",
        [SentencePieceFlavor.T5] = "T5Tokenizer",
    };

    /// <summary>transformers' ids of the SentencePiece pieces (get_vocab() before added tokens).</summary>
    private static List<string?> BaseVocabulary(SentencePieceFlavor flavor, SentencePieceModelFile model, TokenizerConfig config,
                                                out Dictionary<string, int> fixedTokens)
    {
        int size = model.Pieces.Length;
        fixedTokens = new Dictionary<string, int>(StringComparer.Ordinal);
        var ids = new List<string?>();
        switch (flavor)
        {
            case SentencePieceFlavor.XlmRoberta:
                // XLMRobertaTokenizer.fairseq_tokens_to_ids, and <mask> = len(sp_model) + fairseq_offset.
                fixedTokens["<s>"] = 0; fixedTokens["<pad>"] = 1; fixedTokens["</s>"] = 2; fixedTokens["<unk>"] = 3;
                fixedTokens["<mask>"] = size + 1;
                var byId = fixedTokens.ToDictionary(kv => kv.Value, kv => kv.Key);
                for (int id = 0; id < size + 2; id++) ids.Add(byId.TryGetValue(id, out var t) ? t : model.Pieces[id - 1].Piece);
                break;
            case SentencePieceFlavor.Camembert:
                // Ids 0-4 are added tokens (BuiltInAddedTokens); SentencePiece id k is k + 4.
                for (int id = 0; id < size + 4; id++) ids.Add(id <= 4 ? null : model.Pieces[id - 4].Piece);
                break;
            default:
                ids.AddRange(model.Pieces.Select(p => p.Piece));
                break;
        }
        return ids;
    }

    /// <summary>The id of SentencePiece piece <paramref name="id"/>; -1 for "the unknown token's id", resolved later.</summary>
    private static int SpmToModel(SentencePieceFlavor flavor, int id, string piece, Dictionary<string, int> fixedTokens) => flavor switch
    {
        SentencePieceFlavor.XlmRoberta => fixedTokens.TryGetValue(piece, out var f) ? f : id == 0 ? -1 : id + 1,
        SentencePieceFlavor.Camembert => id == 0 ? -1 : id + 4,
        _ => id,
    };

    /// <summary>Named special tokens: tokenizer_config.json / special_tokens_map.json, else the class's defaults.</summary>
    private static Dictionary<string, string?> ClassSpecials(SentencePieceFlavor flavor, TokenizerConfig c) => flavor switch
    {
        SentencePieceFlavor.DebertaV2 => new()
        {
            ["bos"] = c.BosToken ?? "[CLS]", ["eos"] = c.EosToken ?? "[SEP]", ["unk"] = c.UnkToken ?? "[UNK]", ["sep"] = c.SepToken ?? "[SEP]",
            ["pad"] = c.PadToken ?? "[PAD]", ["cls"] = c.ClsToken ?? "[CLS]", ["mask"] = c.MaskToken ?? "[MASK]",
        },
        SentencePieceFlavor.T5 => new() { ["eos"] = c.EosToken ?? "</s>", ["unk"] = c.UnkToken ?? "<unk>", ["pad"] = c.PadToken ?? "<pad>" },
        _ => new()
        {
            ["bos"] = c.BosToken ?? "<s>", ["eos"] = c.EosToken ?? "</s>", ["sep"] = c.SepToken ?? "</s>", ["cls"] = c.ClsToken ?? "<s>",
            ["unk"] = c.UnkToken ?? "<unk>", ["pad"] = c.PadToken ?? "<pad>", ["mask"] = c.MaskToken ?? "<mask>",
        },
    };

    /// <summary>Llama's: the config's, else the pieces the model's trainer_spec names (no pad unless the config names one).</summary>
    private static Dictionary<string, string?> LlamaSpecials(TokenizerConfig c, SentencePieceModelFile m)
    {
        string? PieceOf(int id) => id >= 0 && id < m.Pieces.Length ? m.Pieces[id].Piece : null;
        return new() { ["unk"] = c.UnkToken ?? PieceOf(m.UnkId), ["bos"] = c.BosToken ?? PieceOf(m.BosId), ["eos"] = c.EosToken ?? PieceOf(m.EosId), ["pad"] = c.PadToken };
    }

    /// <summary>Added tokens a class defines itself: CamemBERT's ids 0-4, T5's &lt;extra_id_i&gt; sentinels.</summary>
    private static IEnumerable<AddedTokenInfo> BuiltInAddedTokens(SentencePieceFlavor flavor, TokenizerConfig config, int size,
                                                                 Dictionary<string, string?> specials, ref List<string> additional)
    {
        var result = new List<AddedTokenInfo>();
        if (flavor == SentencePieceFlavor.Camembert)
        {
            result.Add(new(0, "<s>NOTUSED", true));
            result.Add(new(1, specials["pad"]!, true));
            result.Add(new(2, "</s>NOTUSED", true));
            result.Add(new(3, specials["unk"]!, true));
            result.Add(new(4, "<unk>NOTUSED", true));
        }
        else if (flavor == SentencePieceFlavor.T5)
        {
            int extraIds = config.Raw["extra_ids"] is { } e && e.GetValueKind() == JsonValueKind.Number ? e.GetValue<int>() : 100;
            int count = additional.Count(t => t.Contains("<extra_id_", StringComparison.Ordinal));
            if (count == 0)
            {
                additional.AddRange(Enumerable.Range(0, extraIds).Select(i => $"<extra_id_{i}>"));
                count = extraIds;
            }
            for (int i = 0; i < count; i++)
                result.Add(new(size - 1 + extraIds - i, $"<extra_id_{i}>", Special: true, LStrip: true, RStrip: true));
        }
        return result;
    }

    private SpecialTokenTemplate BuildTemplate((string? Value, int? Id) bos, (string? Value, int? Id) eos,
                                               (string? Value, int? Id) cls, (string? Value, int? Id) sep)
    {
        TemplatePiece S((string? Value, int? Id) t, int typeId = 0) => TemplatePiece.Special(t.Value!, t.Id!.Value, typeId);
        switch (_flavor)
        {
            case SentencePieceFlavor.XlmRoberta or SentencePieceFlavor.Camembert:
                // <s> A </s> and <s> A </s></s> B </s>; a single token type (create_token_type_ids_from_sequences gives zeros).
                return new SpecialTokenTemplate([S(cls), TemplatePiece.SequenceA(), S(sep)],
                    [S(cls), TemplatePiece.SequenceA(), S(sep), S(sep), TemplatePiece.SequenceB(0), S(sep)]);
            case SentencePieceFlavor.DebertaV2:
                return new SpecialTokenTemplate([S(cls), TemplatePiece.SequenceA(), S(sep)],
                    [S(cls), TemplatePiece.SequenceA(), S(sep), TemplatePiece.SequenceB(1), S(sep, 1)]);
            case SentencePieceFlavor.T5:
                return new SpecialTokenTemplate([TemplatePiece.SequenceA(), S(eos)],
                    [TemplatePiece.SequenceA(), S(eos), TemplatePiece.SequenceB(0), S(eos)]);
            default:
            {
                // Llama: <s>? $A </s>?; pairs repeat it for $B, whose tokens (its BOS/EOS included) get type id 1, as in
                // LlamaTokenizer.create_token_type_ids_from_sequences.
                List<TemplatePiece> Part(int sequence, int typeId)
                {
                    var part = new List<TemplatePiece>();
                    if (AddBos) part.Add(S(bos, typeId));
                    part.Add(sequence == 0 ? TemplatePiece.SequenceA(typeId) : TemplatePiece.SequenceB(typeId));
                    if (AddEos) part.Add(S(eos, typeId));
                    return part;
                }
                return new SpecialTokenTemplate(Part(0, 0), Part(0, 0).Concat(Part(1, 1)).ToArray());
            }
        }
    }

    /// <summary>True when <paramref name="modelDir"/> holds any of <see cref="ModelFileNames"/>.</summary>
    public static bool HasModelFile(string modelDir) => ModelFileNames.Any(f => File.Exists(Path.Combine(modelDir, f)));

    /// <summary>Loads the folder's SentencePiece model with settings from <paramref name="config"/>, following the slow
    /// tokenizer that tokenizer_config.json's tokenizer_class (else config.json's model_type, else the file name) names.</summary>
    /// <exception cref="TuneSharpException">No model file, a malformed one (the message names file and field), a class that is
    /// not supported from a .model file, or special tokens the class needs that the vocabulary lacks.</exception>
    public static SentencePieceTokenizer Create(string modelDir, TokenizerConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (flavor, path) = Resolve(modelDir, config);
        var model = SentencePieceModelFile.Read(path);
        return new SentencePieceTokenizer(model, flavor, config, path)
        {
            ModelMaxLength = config.ModelMaxLength,
            SourceFiles = new[] { Path.GetFileName(path) }.Concat(config.SourceFiles).ToArray(),
        };
    }

    private static readonly Dictionary<string, SentencePieceFlavor> ClassesByName = new(StringComparer.Ordinal)
    {
        ["LlamaTokenizer"] = SentencePieceFlavor.Llama, ["CodeLlamaTokenizer"] = SentencePieceFlavor.Llama,
        ["XLMRobertaTokenizer"] = SentencePieceFlavor.XlmRoberta, ["CamembertTokenizer"] = SentencePieceFlavor.Camembert,
        ["DebertaV2Tokenizer"] = SentencePieceFlavor.DebertaV2, ["T5Tokenizer"] = SentencePieceFlavor.T5, ["MT5Tokenizer"] = SentencePieceFlavor.T5,
    };

    private static readonly Dictionary<string, SentencePieceFlavor> ModelTypes = new(StringComparer.Ordinal)
    {
        ["llama"] = SentencePieceFlavor.Llama, ["mistral"] = SentencePieceFlavor.Llama, ["xlm-roberta"] = SentencePieceFlavor.XlmRoberta,
        ["camembert"] = SentencePieceFlavor.Camembert, ["deberta-v2"] = SentencePieceFlavor.DebertaV2,
        ["t5"] = SentencePieceFlavor.T5, ["mt5"] = SentencePieceFlavor.T5, ["umt5"] = SentencePieceFlavor.T5,
    };

    private static readonly Dictionary<SentencePieceFlavor, string> FileOf = new()
    {
        [SentencePieceFlavor.Llama] = ModelFileName, [SentencePieceFlavor.XlmRoberta] = "sentencepiece.bpe.model",
        [SentencePieceFlavor.Camembert] = "sentencepiece.bpe.model", [SentencePieceFlavor.DebertaV2] = "spm.model",
        [SentencePieceFlavor.T5] = "spiece.model",
    };

    /// <summary>Which slow tokenizer, and which file, transformers' AutoTokenizer would use for this folder.</summary>
    internal static (SentencePieceFlavor Flavor, string Path) Resolve(string modelDir, TokenizerConfig config)
    {
        var present = ModelFileNames.Where(f => File.Exists(Path.Combine(modelDir, f))).ToList();
        if (present.Count == 0)
            throw new TuneSharpException($"{modelDir} has no SentencePiece model file ({string.Join(", ", ModelFileNames)}).");
        SentencePieceFlavor flavor;
        var cls = config.TokenizerClass;
        if (cls is not null && cls.EndsWith("Fast", StringComparison.Ordinal)) cls = cls[..^4];
        if (cls is not null && ClassesByName.TryGetValue(cls, out var byClass)) flavor = byClass;
        else if (cls is not null && cls != "PreTrainedTokenizer" && !present.Contains(ModelFileName))
            throw new TuneSharpException($"{Path.Combine(modelDir, "tokenizer_config.json")}: tokenizer_class \"{config.TokenizerClass}\" is not supported " +
                $"from a SentencePiece model file ({string.Join(", ", present)}); supported: {string.Join(", ", ClassesByName.Keys)}. " +
                "Provide the model's tokenizer.json instead.");
        else if (cls is null && ModelTypeOf(modelDir) is { } type && ModelTypes.TryGetValue(type, out var byType)) flavor = byType;
        else if (cls is null && ModelTypeOf(modelDir) is { } other && !present.Contains(ModelFileName))
            throw new TuneSharpException($"{Path.Combine(modelDir, "config.json")}: model_type \"{other}\" has no tokenizer_class in " +
                $"tokenizer_config.json, and its slow tokenizer is not supported from {string.Join(", ", present)}; supported model types: " +
                $"{string.Join(", ", ModelTypes.Keys)}. Provide the model's tokenizer.json instead.");
        else flavor = present[0] switch
        {
            "sentencepiece.bpe.model" => SentencePieceFlavor.XlmRoberta,
            "spm.model" => SentencePieceFlavor.DebertaV2,
            "spiece.model" => SentencePieceFlavor.T5,
            _ => SentencePieceFlavor.Llama, // tokenizer.model with any other class, as before
        };
        var file = present.Contains(FileOf[flavor]) ? FileOf[flavor] : present[0];
        return (flavor, Path.Combine(modelDir, file));
    }

    /// <summary>config.json's model_type, or null (no file, unreadable, no such field).</summary>
    private static string? ModelTypeOf(string modelDir)
    {
        var path = Path.Combine(modelDir, "config.json");
        if (!File.Exists(path)) return null;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("model_type", out var t)
                   && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        }
        catch (JsonException) { return null; } // config.json's own loader reports a broken file
    }

    /// <inheritdoc/>
    public override int? TokenToId(string token) => _tokenToId.TryGetValue(token, out var id) ? id : null;

    /// <inheritdoc/>
    public override string? IdToToken(int id) => id >= 0 && id < _idToToken.Length ? _idToToken[id] : null;

    /// <inheritdoc/>
    public override IReadOnlyList<Token> Tokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var segments = _specialSplitter.Split(text).ToList();
        // An added token with rstrip eats the white space after it, one with lstrip the white space before it
        // (PreTrainedTokenizer.tokenize, with Python's str.isspace).
        var bounds = segments.Select(s => (s.Start, s.End)).ToArray();
        for (int i = 0; i < segments.Count; i++)
        {
            if (segments[i].Id is not int id || !_addedById.TryGetValue(id, out var info)) continue;
            if (info.RStrip && i + 1 < segments.Count && segments[i + 1].Id is null)
                while (bounds[i + 1].Start < bounds[i + 1].End && IsPythonSpace(text[bounds[i + 1].Start])) bounds[i + 1].Start++;
            if (info.LStrip && i > 0 && segments[i - 1].Id is null)
                while (bounds[i - 1].End > bounds[i - 1].Start && IsPythonSpace(text[bounds[i - 1].End - 1])) bounds[i - 1].End--;
        }
        var tokens = new List<Token>();
        for (int i = 0; i < segments.Count; i++)
        {
            var (start, end) = bounds[i];
            if (segments[i].Id is int id) tokens.Add(new Token(id, segments[i].Token!, start, end));
            else if (end > start) EncodeSegment(text, start, end, tokens);
        }
        return tokens;
    }

    private static bool IsPythonSpace(char c) => char.IsWhiteSpace(c) || c is >= '\u001C' and <= '\u001F';

    /// <summary>One stretch of text between added tokens, encoded as the class's _tokenize does.</summary>
    private void EncodeSegment(string text, int start, int end, List<Token> tokens)
    {
        if (!_lowerCase && !_splitByPunct) { EncodeWithSpm(text, start, end, null, tokens); return; }
        // DeBERTa-v2: lower-cased (Python's str.lower, per code point) and/or cut at every punctuation character.
        var sb = new StringBuilder(end - start);
        var origin = new List<(int Start, int End)>(end - start);
        for (int i = start; i < end;)
        {
            var rune = Rune.GetRuneAt(text, i);
            var s = _lowerCase ? TokenizerJsonNormalizer.LowerCase(rune) ?? rune.ToString() : rune.ToString();
            sb.Append(s);
            for (int k = 0; k < s.Length; k++) origin.Add((i, i + rune.Utf16SequenceLength));
            i += rune.Utf16SequenceLength;
        }
        var lowered = sb.ToString();
        var map = origin.ToArray();
        if (!_splitByPunct) { EncodeWithSpm(lowered, 0, lowered.Length, map, tokens); return; }
        int wordStart = 0;
        for (int i = 0; i < lowered.Length;)
        {
            var rune = Rune.GetRuneAt(lowered, i);
            int next = i + rune.Utf16SequenceLength;
            if (IsPunctuation(rune))
            {
                if (i > wordStart) EncodeWithSpm(lowered, wordStart, i, map, tokens);
                EncodeWithSpm(lowered, i, next, map, tokens);
                wordStart = next;
            }
            i = next;
        }
        if (lowered.Length > wordStart) EncodeWithSpm(lowered, wordStart, lowered.Length, map, tokens);
    }

    /// <summary>DeBERTa's _is_punctuation: ASCII punctuation and symbols, or a Unicode P* category.</summary>
    private static bool IsPunctuation(Rune r)
    {
        int cp = r.Value;
        if (cp is >= 33 and <= 47 or >= 58 and <= 64 or >= 91 and <= 96 or >= 123 and <= 126) return true;
        return Rune.GetUnicodeCategory(r) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
            or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
            or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation;
    }

    /// <summary>sp_model.encode of <c>text[start..end)</c>: normalise, segment, map to this tokenizer's ids. Offsets go through
    /// <paramref name="map"/> when <paramref name="text"/> is a rewritten copy of the caller's text.</summary>
    private void EncodeWithSpm(string text, int start, int end, (int Start, int End)[]? map, List<Token> tokens)
    {
        var (normalized, spans) = _normalizer.Normalize(text, start, end);
        var pieces = new List<SentencePieceBpe.Piece>();
        if (_bpe is not null) _bpe.Encode(normalized, pieces);
        else _unigram!.Encode(normalized, pieces);
        foreach (var piece in pieces)
        {
            // A piece spans from its first to its last normalised unit; the dummy prefix has an empty span at the first
            // character, so "▁Once" maps to "Once". Byte-fallback tokens all get their character's span, as in HF.
            int s = spans[piece.Start].Start, e = spans[piece.End - 1].End;
            if (map is not null) (s, e) = e > s ? (map[s].Start, map[e - 1].End) : s < map.Length ? (map[s].Start, map[s].Start) : (map[^1].End, map[^1].End);
            int id = _spmToModel[piece.Id];
            tokens.Add(new Token(id, _idToToken[id] ?? _model.Pieces[piece.Id].Piece, s, e));
        }
    }

    /// <summary>
    /// Decodes as the class's slow tokenizer. Llama (legacy): runs of ordinary pieces are joined, "▁" becomes a space,
    /// byte-fallback pieces (&lt;0xNN&gt;) are assembled into UTF-8, the leading space of each run is dropped, and kept
    /// special tokens get HF's spacing (e.g. "&lt;s&gt; Once upon"). The others: PreTrainedTokenizer._decode (special
    /// tokens dropped with <paramref name="skipSpecialTokens"/>, added tokens joined with spaces, then
    /// clean_up_tokenization_spaces, default true) around the class's convert_tokens_to_string.
    /// </summary>
    public override string Decode(IEnumerable<int> ids, bool skipSpecialTokens = true)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (_flavor == SentencePieceFlavor.Llama) return DecodeLlama(ids, skipSpecialTokens);
        var subTexts = new List<string>();
        var current = new List<string>();
        foreach (var id in ids)
        {
            var token = IdToToken(id) ?? throw new ArgumentOutOfRangeException(nameof(ids), id, $"Token id {id} is outside the vocabulary (size {VocabSize}).");
            if (skipSpecialTokens && _specialIds.Contains(id)) continue;
            if (_legacyAddedTokens.Contains(token))
            {
                if (current.Count > 0)
                {
                    var s = TokensToString(current);
                    if (s.Length > 0) subTexts.Add(s);
                    current.Clear();
                }
                subTexts.Add(token);
            }
            else current.Add(token);
        }
        if (current.Count > 0) subTexts.Add(TokensToString(current));
        var text = string.Join(" ", subTexts);
        return _cleanUp ? WordPieceTokenizer.CleanUp(text) : text;
    }

    /// <summary>The class's convert_tokens_to_string.</summary>
    private string TokensToString(List<string> tokens)
    {
        if (_flavor == SentencePieceFlavor.XlmRoberta) return string.Concat(tokens).Replace(SpaceMarker, ' ').Trim(PythonSpaces);
        if (_flavor == SentencePieceFlavor.T5 && _t5AddPrefixSpace && tokens[0].StartsWith(SpaceMarker)) tokens[0] = tokens[0][1..];
        // CamemBERT, DeBERTa-v2, T5: special tokens are kept as text (a space before a run of them), the rest goes
        // through sp_model.decode.
        var output = new StringBuilder();
        var run = new List<string>();
        bool previousSpecial = false;
        foreach (var token in tokens)
        {
            if (_allSpecialTokens.Contains(token))
            {
                if (!previousSpecial) output.Append(' ');
                output.Append(SpmDecode(run)).Append(token);
                run.Clear();
                previousSpecial = true;
            }
            else
            {
                run.Add(token);
                previousSpecial = false;
            }
        }
        output.Append(SpmDecode(run));
        return output.ToString().Trim(PythonSpaces);
    }

    private static readonly char[] PythonSpaces = Enumerable.Range(0, 0x3001).Select(c => (char)c).Where(IsPythonSpace).ToArray();

    /// <summary>SentencePieceProcessor.Decode of piece strings: control pieces vanish, the unknown piece reads " ⁇ ", byte
    /// pieces are assembled into UTF-8 (an invalid byte reads U+FFFD), "▁" becomes a space, and the leading "▁" of the
    /// first pieces is dropped (all leading ones with remove_extra_whitespaces, else one with add_dummy_prefix).</summary>
    private string SpmDecode(List<string> pieces)
    {
        var text = new StringBuilder();
        var bytes = new List<byte>();
        void FlushBytes()
        {
            if (bytes.Count == 0) return;
            text.Append(System.Text.Encoding.UTF8.GetString(bytes.ToArray()));
            bytes.Clear();
        }
        bool isBosWs = true, bosWsSeen = false;
        foreach (var piece in pieces)
        {
            int id = _pieceToSpm.TryGetValue(piece, out var p) ? p : _unkSpmId;
            var type = _model.Pieces[id].Type;
            if (type == SentencePieceType.Byte) { bytes.Add(Convert.ToByte(piece.Substring(3, 2), 16)); continue; }
            FlushBytes();
            if (bosWsSeen || text.Length > 0) isBosWs = false;
            bosWsSeen = false;
            if (type == SentencePieceType.Control) continue;
            if (type == SentencePieceType.Unknown) { text.Append(piece == _model.Pieces[id].Piece ? UnknownSurface : piece); continue; }
            var s = piece;
            if (isBosWs && (_model.AddDummyPrefix || _model.RemoveExtraWhitespaces) && s.StartsWith(SpaceMarker))
            {
                s = s[1..];
                bosWsSeen = !_model.RemoveExtraWhitespaces;
            }
            text.Append(s.Replace(SpaceMarker, ' '));
        }
        FlushBytes();
        return text.ToString();
    }

    private string DecodeLlama(IEnumerable<int> ids, bool skipSpecialTokens)
    {
        var output = new StringBuilder();
        var run = new List<string>();
        bool previousWasSpecial = false;
        int index = 0;
        foreach (var id in ids)
        {
            bool special = _specialIds.Contains(id);
            if (special && skipSpecialTokens) continue;
            var piece = IdToToken(id) ?? throw new ArgumentOutOfRangeException(nameof(ids), id, $"Token id {id} is outside the vocabulary (size {VocabSize}).");
            if (special)
            {
                if (!previousWasSpecial && index != 0 && _legacy) output.Append(' ');
                output.Append(DecodeRun(run)).Append(piece);
                run.Clear();
            }
            else
            {
                if (previousWasSpecial && index == 1 && !piece.StartsWith(SpaceMarker)) output.Append(' ');
                run.Add(piece);
            }
            previousWasSpecial = special;
            index++;
        }
        return output.Append(DecodeRun(run)).ToString();
    }

    /// <summary>SentencePiece's own decoding of a run of pieces (Llama).</summary>
    private string DecodeRun(List<string> pieces)
    {
        if (pieces.Count == 0) return "";
        var text = new StringBuilder();
        var bytes = new List<byte>();
        void FlushBytes()
        {
            if (bytes.Count == 0) return;
            text.Append(System.Text.Encoding.UTF8.GetString(bytes.ToArray())); // invalid UTF-8 becomes U+FFFD, as in SentencePiece
            bytes.Clear();
        }
        foreach (var piece in pieces)
        {
            if (_model.ByteFallback && TryParseByte(piece, out byte b)) { bytes.Add(b); continue; }
            FlushBytes();
            text.Append(piece.Replace(SpaceMarker, ' '));
        }
        FlushBytes();
        if (_model.AddDummyPrefix && pieces[0].StartsWith(SpaceMarker) && text.Length > 0 && text[0] == ' ') text.Remove(0, 1);
        return text.ToString();
    }

    private static bool TryParseByte(string piece, out byte value)
    {
        value = 0;
        return piece.Length == 6 && piece.StartsWith("<0x", StringComparison.Ordinal) && piece[5] == '>'
            && byte.TryParse(piece.AsSpan(3, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out value);
    }
}
