using System.Globalization;
using System.Text;

namespace TuneSharp.Tokenization;

/// <summary>
/// A SentencePiece BPE model (<c>tokenizer.model</c>, e.g. Llama 1/2) with byte fallback: SentencePiece's
/// normalisation (dummy "▁" prefix, extra spaces removed, " " → "▁") with a map back to the caller's text for
/// offsets, the BPE merge loop (<see cref="SentencePieceBpe"/>), special tokens written in the text, the Llama
/// template from tokenizer_config.json and Hugging Face-compatible (legacy Llama) decoding.
/// Unigram models (T5, ALBERT) and normalisers with a precompiled charsmap (nmt_nfkc) are refused at load time;
/// load those from tokenizer.json instead.
/// </summary>
public sealed class SentencePieceTokenizer : TextTokenizer
{
    /// <summary>The model file name this tokenizer reads.</summary>
    public const string ModelFileName = "tokenizer.model";

    private const char SpaceMarker = '\u2581'; // "▁"
    private readonly SentencePieceModelFile _model;
    private readonly SentencePieceBpe _bpe;
    private readonly string[] _idToToken;
    private readonly Dictionary<string, int> _tokenToId;
    private readonly SpecialTokenSplitter _specialSplitter;
    private readonly HashSet<int> _specialIds;
    private readonly bool _legacy;

    /// <inheritdoc/>
    public override string Kind => "SentencePiece";

    /// <inheritdoc/>
    public override int VocabSize => _idToToken.Length;

    /// <summary>Whether the template starts every sequence with BOS (tokenizer_config add_bos_token, default true).</summary>
    public bool AddBos { get; }

    /// <summary>Whether the template ends every sequence with EOS (tokenizer_config add_eos_token, default false).</summary>
    public bool AddEos { get; }

    private SentencePieceTokenizer(SentencePieceModelFile model, TokenizerConfig config, string source)
    {
        _model = model;
        _bpe = new SentencePieceBpe(model);
        int size = model.Pieces.Length;
        _idToToken = model.Pieces.Select(p => p.Piece).ToArray();
        _tokenToId = new Dictionary<string, int>(size, StringComparer.Ordinal);
        for (int id = 0; id < size; id++) _tokenToId.TryAdd(_idToToken[id], id);
        _legacy = config.Legacy ?? true;

        (string? Value, int? Id) Find(string? configured, string? fallback)
        {
            var token = configured ?? fallback;
            var id = token is null ? null : TokenToId(token);
            return id is null ? (null, null) : (token, id);
        }
        string? PieceOf(int id) => id >= 0 && id < size ? _idToToken[id] : null;
        var unk = Find(config.UnkToken, PieceOf(model.UnkId));
        var bos = Find(config.BosToken, PieceOf(model.BosId));
        var eos = Find(config.EosToken, PieceOf(model.EosId));
        var pad = Find(config.PadToken, null); // HF Llama has no pad token unless tokenizer_config names one
        SpecialTokens = new SpecialTokens
        {
            Unk = unk.Value, UnkId = unk.Id, Bos = bos.Value, BosId = bos.Id, Eos = eos.Value, EosId = eos.Id, Pad = pad.Value, PadId = pad.Id,
        };

        AddBos = config.AddBosToken ?? true;
        AddEos = config.AddEosToken ?? false;
        if (AddBos && bos.Id is null) throw new TuneSharpException($"{source}: add_bos_token is true but the model has no BOS token \"{config.BosToken ?? PieceOf(model.BosId)}\".");
        if (AddEos && eos.Id is null) throw new TuneSharpException($"{source}: add_eos_token is true but the model has no EOS token \"{config.EosToken ?? PieceOf(model.EosId)}\".");
        Template = BuildTemplate(bos, eos);

        var special = new[] { unk, bos, eos, pad }.Where(t => t.Id is not null).Select(t => (Text: t.Value!, Id: t.Id!.Value))
            .Concat(config.AddedTokensDecoder.Values.Where(t => t.Id < size && _idToToken[t.Id] == t.Content).Select(t => (Text: t.Content, t.Id)))
            .Concat(config.AdditionalSpecialTokens.Where(t => TokenToId(t) is not null).Select(t => (Text: t, Id: TokenToId(t)!.Value)))
            .Distinct().ToList();
        _specialSplitter = new SpecialTokenSplitter(special.Select(t => new KeyValuePair<string, int>(t.Text, t.Id)));
        // HF's skip_special_tokens drops the named special tokens (unk included) and added tokens marked special.
        _specialIds = new[] { unk.Id, bos.Id, eos.Id, pad.Id }.OfType<int>()
            .Concat(config.AddedTokensDecoder.Values.Where(t => t.Special).Select(t => t.Id))
            .Concat(config.AdditionalSpecialTokens.Select(TokenToId).OfType<int>())
            .ToHashSet();
    }

    /// <summary>Llama's template: <c>&lt;s&gt;? $A &lt;/s&gt;?</c>; pairs repeat it for $B, whose tokens (its BOS/EOS included)
    /// get type id 1, as in HF LlamaTokenizer.create_token_type_ids_from_sequences.</summary>
    private SpecialTokenTemplate BuildTemplate((string? Value, int? Id) bos, (string? Value, int? Id) eos)
    {
        List<TemplatePiece> Part(int sequence, int typeId)
        {
            var part = new List<TemplatePiece>();
            if (AddBos) part.Add(TemplatePiece.Special(bos.Value!, bos.Id!.Value, typeId));
            part.Add(sequence == 0 ? TemplatePiece.SequenceA(typeId) : TemplatePiece.SequenceB(typeId));
            if (AddEos) part.Add(TemplatePiece.Special(eos.Value!, eos.Id!.Value, typeId));
            return part;
        }
        return new SpecialTokenTemplate(Part(0, 0), Part(0, 0).Concat(Part(1, 1)).ToArray());
    }

    /// <summary>Loads <c>tokenizer.model</c> from <paramref name="modelDir"/> with settings from <paramref name="config"/>.</summary>
    /// <exception cref="TuneSharpException">The file is missing, not a SentencePiece model, or a kind not supported here.</exception>
    public static SentencePieceTokenizer Create(string modelDir, TokenizerConfig config)
    {
        var path = Path.Combine(modelDir, ModelFileName);
        if (!File.Exists(path)) throw new TuneSharpException($"{path} does not exist.");
        var model = SentencePieceModelFile.Read(path);
        if (model.ModelType != 2)
            throw new TuneSharpException($"{path} is a SentencePiece {(model.ModelType == 1 ? "Unigram" : $"type-{model.ModelType}")} model; only BPE " +
                "models (Llama style) are supported from tokenizer.model. Provide the model's tokenizer.json instead.");
        if (model.HasPrecompiledCharsMap || model.TreatWhitespaceAsSuffix)
            throw new TuneSharpException($"{path} uses SentencePiece normalisation \"{model.NormalizerName}\"" +
                $"{(model.TreatWhitespaceAsSuffix ? " with whitespace as suffix" : "")}, which is not supported; provide the model's tokenizer.json instead.");
        return new SentencePieceTokenizer(model, config, path)
        {
            ModelMaxLength = config.ModelMaxLength,
            SourceFiles = new[] { ModelFileName }.Concat(config.SourceFiles).ToArray(),
        };
    }

    /// <inheritdoc/>
    public override int? TokenToId(string token) => _tokenToId.TryGetValue(token, out var id) ? id : null;

    /// <inheritdoc/>
    public override string? IdToToken(int id) => id >= 0 && id < _idToToken.Length ? _idToToken[id] : null;

    /// <inheritdoc/>
    public override IReadOnlyList<Token> Tokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = new List<Token>();
        // Each plain segment is encoded on its own with its own dummy prefix: HF's legacy Llama behaviour
        // ("<s>Hi" → "<s>", "▁Hi").
        foreach (var segment in _specialSplitter.Split(text))
        {
            if (segment.Id is int id) tokens.Add(new Token(id, segment.Token!, segment.Start, segment.End));
            else EncodeSegment(text, segment.Start, segment.End, tokens);
        }
        return tokens;
    }

    private void EncodeSegment(string text, int start, int end, List<Token> tokens)
    {
        var (normalized, spans) = Normalize(text, start, end);
        var pieces = new List<SentencePieceBpe.Piece>();
        _bpe.Encode(normalized, pieces);
        foreach (var piece in pieces)
        {
            // A piece's span runs from its first to its last normalised char; the dummy prefix has an empty span at
            // the first char, so "▁Once" maps to "Once". Byte-fallback tokens all get their character's span, as in HF.
            tokens.Add(new Token(piece.Id, _idToToken[piece.Id], spans[piece.Start].Start, spans[piece.End - 1].End));
        }
    }

    /// <summary>
    /// SentencePiece's identity normalisation (dummy prefix, extra-space removal, " " → "▁"), with the original span of
    /// every normalised char; the dummy prefix gets an empty span at the first char, a collapsed run of spaces the whole run.
    /// As in SentencePiece only U+0020 counts as a space here (tabs and newlines are ordinary characters).
    /// </summary>
    private (string Text, (int Start, int End)[] Spans) Normalize(string text, int start, int end)
    {
        bool removeExtra = _model.RemoveExtraWhitespaces;
        bool dummyPrefix = _model.AddDummyPrefix;
        bool escape = _model.EscapeWhitespaces;

        var sb = new StringBuilder(end - start + 1);
        var spans = new List<(int, int)>(end - start + 1);
        int i = start, stop = end;
        if (removeExtra)
        {
            while (i < stop && text[i] == ' ') i++;
            while (stop > i && text[stop - 1] == ' ') stop--;
        }
        if (i < stop && dummyPrefix) { sb.Append(escape ? SpaceMarker : ' '); spans.Add((i, i)); }
        while (i < stop)
        {
            if (text[i] == ' ')
            {
                int runEnd = i + 1;
                if (removeExtra) while (runEnd < stop && text[runEnd] == ' ') runEnd++;
                sb.Append(escape ? SpaceMarker : ' ');
                spans.Add((i, runEnd));
                i = runEnd;
                continue;
            }
            sb.Append(text[i]);
            // Both halves of a surrogate pair span the whole character.
            int charEnd = char.IsHighSurrogate(text[i]) && i + 1 < stop && char.IsLowSurrogate(text[i + 1]) ? i + 2 : i + 1;
            int charStart = char.IsLowSurrogate(text[i]) && i > start && char.IsHighSurrogate(text[i - 1]) ? i - 1 : i;
            spans.Add((charStart, charEnd));
            i++;
        }
        return (sb.ToString(), spans.ToArray());
    }

    /// <summary>
    /// Decodes as Hugging Face's (legacy) LlamaTokenizer: runs of ordinary pieces are joined, "▁" becomes a space,
    /// byte-fallback pieces (&lt;0xNN&gt;) are assembled into UTF-8, and the leading space of each run is dropped
    /// (the dummy prefix). Special tokens are dropped, or kept as text with HF's spacing when
    /// <paramref name="skipSpecialTokens"/> is false (e.g. "&lt;s&gt; Once upon").
    /// </summary>
    public override string Decode(IEnumerable<int> ids, bool skipSpecialTokens = true)
    {
        ArgumentNullException.ThrowIfNull(ids);
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

    /// <summary>SentencePiece's own decoding of a run of pieces.</summary>
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
