using System.Buffers.Binary;

namespace TuneSharp.Tokenization;

/// <summary>Kinds of SentencePiece vocabulary entries (sentencepiece_model.proto, SentencePiece.Type).</summary>
internal enum SentencePieceType { Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Unused = 5, Byte = 6 }

/// <summary>
/// The parts of a SentencePiece <c>tokenizer.model</c> (a ModelProto protobuf) that encoding and decoding need:
/// pieces with scores and types, the trainer's model type / byte fallback / special ids, and the normaliser flags.
/// Read with a minimal protobuf reader (field numbers from sentencepiece_model.proto) so nothing else is needed.
/// </summary>
internal sealed class SentencePieceModelFile
{
    public required (string Piece, float Score, SentencePieceType Type)[] Pieces { get; init; }
    /// <summary>TrainerSpec.model_type: 1 unigram, 2 BPE, 3 word, 4 char.</summary>
    public int ModelType { get; init; } = 1;
    public bool ByteFallback { get; init; }
    public int UnkId { get; init; }
    public int BosId { get; init; } = 1;
    public int EosId { get; init; } = 2;
    public int PadId { get; init; } = -1;
    public bool TreatWhitespaceAsSuffix { get; init; }
    public string NormalizerName { get; init; } = "";
    public bool HasPrecompiledCharsMap => PrecompiledCharsMap.Length > 0;
    /// <summary>NormalizerSpec.precompiled_charsmap (empty when the model has none).</summary>
    public byte[] PrecompiledCharsMap { get; init; } = Array.Empty<byte>();
    /// <summary>TrainerSpec.unk_piece / bos_piece / eos_piece / pad_piece (SentencePiece's defaults when absent).</summary>
    public string UnkPiece { get; init; } = "<unk>";
    public string BosPiece { get; init; } = "<s>";
    public string EosPiece { get; init; } = "</s>";
    public string PadPiece { get; init; } = "<pad>";
    /// <summary>The file the model was read from (for messages).</summary>
    public string Source { get; init; } = "";
    /// <summary>The model type's name: "Unigram", "BPE", "word" or "char".</summary>
    public string ModelTypeName => ModelType switch { 1 => "Unigram", 2 => "BPE", 3 => "word", 4 => "char", var t => $"type-{t}" };
    public bool AddDummyPrefix { get; init; } = true;
    public bool RemoveExtraWhitespaces { get; init; } = true;
    public bool EscapeWhitespaces { get; init; } = true;

    public static SentencePieceModelFile Read(string path)
    {
        var data = File.ReadAllBytes(path);
        var pieces = new List<(string, float, SentencePieceType)>();
        int modelType = 1, unk = 0, bos = 1, eos = 2, pad = -1;
        bool byteFallback = false, suffix = false, dummy = true, removeExtra = true, escape = true;
        string normalizerName = "", unkPiece = "<unk>", bosPiece = "<s>", eosPiece = "</s>", padPiece = "<pad>";
        byte[] charsMap = Array.Empty<byte>();
        static string Text(ProtoValue v) => System.Text.Encoding.UTF8.GetString(v.Bytes.Span);
        try
        {
            foreach (var (field, value) in new ProtoReader(data).Fields())
            {
                switch (field)
                {
                    case 1: // SentencePiece: piece 1, score 2, type 3
                        string piece = ""; float score = 0; var type = SentencePieceType.Normal;
                        foreach (var (f, v) in new ProtoReader(value.Bytes).Fields())
                        {
                            if (f == 1) piece = System.Text.Encoding.UTF8.GetString(v.Bytes.Span);
                            else if (f == 2) score = v.Float;
                            else if (f == 3) type = (SentencePieceType)v.Varint;
                        }
                        pieces.Add((piece, score, type));
                        break;
                    case 2: // TrainerSpec
                        foreach (var (f, v) in new ProtoReader(value.Bytes).Fields())
                        {
                            switch (f)
                            {
                                case 3: modelType = (int)v.Varint; break;
                                case 24: suffix = v.Varint != 0; break;
                                case 35: byteFallback = v.Varint != 0; break;
                                case 40: unk = (int)v.Varint; break;
                                case 41: bos = (int)v.Varint; break;
                                case 42: eos = (int)v.Varint; break;
                                case 43: pad = (int)v.Varint; break;
                                case 45: unkPiece = Text(v); break;
                                case 46: bosPiece = Text(v); break;
                                case 47: eosPiece = Text(v); break;
                                case 48: padPiece = Text(v); break;
                            }
                        }
                        break;
                    case 3: // NormalizerSpec
                        foreach (var (f, v) in new ProtoReader(value.Bytes).Fields())
                        {
                            switch (f)
                            {
                                case 1: normalizerName = System.Text.Encoding.UTF8.GetString(v.Bytes.Span); break;
                                case 2: charsMap = v.Bytes.ToArray(); break;
                                case 3: dummy = v.Varint != 0; break;
                                case 4: removeExtra = v.Varint != 0; break;
                                case 5: escape = v.Varint != 0; break;
                            }
                        }
                        break;
                }
            }
        }
        catch (FormatException e)
        {
            throw new TuneSharpException($"{path} is not a valid SentencePiece model (protobuf): {e.Message}", e);
        }
        if (pieces.Count == 0) throw new TuneSharpException($"{path} is not a valid SentencePiece model: it has no pieces.");
        Check(path, pieces, byteFallback);
        return new SentencePieceModelFile
        {
            Pieces = pieces.ToArray(), ModelType = modelType, ByteFallback = byteFallback, UnkId = unk, BosId = bos, EosId = eos,
            PadId = pad > int.MaxValue || pad < 0 ? -1 : pad, // -1 is written as a 64-bit varint
            TreatWhitespaceAsSuffix = suffix, NormalizerName = normalizerName, PrecompiledCharsMap = charsMap,
            AddDummyPrefix = dummy, RemoveExtraWhitespaces = removeExtra, EscapeWhitespaces = escape,
            UnkPiece = unkPiece, BosPiece = bosPiece, EosPiece = eosPiece, PadPiece = padPiece, Source = path,
        };
    }

    /// <summary>The checks SentencePiece makes when it loads a model (ModelInterface::InitializePieces), with messages
    /// that name the file and the piece.</summary>
    private static void Check(string path, List<(string Piece, float Score, SentencePieceType Type)> pieces, bool byteFallback)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int unknowns = 0;
        var bytes = new bool[256];
        for (int id = 0; id < pieces.Count; id++)
        {
            var (piece, _, type) = pieces[id];
            string where = $"{path} is not a valid SentencePiece model: pieces[{id}]";
            if (!Enum.IsDefined(type)) throw new TuneSharpException($"{where} (\"{TextExcerpt.Of(piece, 40)}\") has an unknown type {(int)type}.");
            if (piece.Length == 0) throw new TuneSharpException($"{where} is empty.");
            if (piece.Contains('\0')) throw new TuneSharpException($"{where} contains a NUL character.");
            if (!seen.Add(piece)) throw new TuneSharpException($"{where} (\"{TextExcerpt.Of(piece, 40)}\") is defined twice.");
            if (type == SentencePieceType.Unknown) unknowns++;
            if (type == SentencePieceType.Byte)
            {
                if (!byteFallback)
                    throw new TuneSharpException($"{where} is the byte piece \"{piece}\", but trainer_spec.byte_fallback is false.");
                if (piece.Length != 6 || !piece.StartsWith("<0x", StringComparison.Ordinal) || piece[5] != '>'
                    || !byte.TryParse(piece.AsSpan(3, 2), System.Globalization.NumberStyles.AllowHexSpecifier, null, out byte b)
                    || piece != $"<0x{b:X2}>")
                    throw new TuneSharpException($"{where} is a byte piece but \"{TextExcerpt.Of(piece, 40)}\" is not of the form <0xNN>.");
                bytes[b] = true;
            }
        }
        if (unknowns != 1)
            throw new TuneSharpException($"{path} is not a valid SentencePiece model: it must have exactly one piece of type UNKNOWN, it has {unknowns}.");
        if (byteFallback && bytes.Contains(false))
            throw new TuneSharpException($"{path} is not a valid SentencePiece model: trainer_spec.byte_fallback is true but only " +
                                         $"{bytes.Count(x => x)} of the 256 byte pieces <0x00>..<0xFF> are present.");
    }

    /// <summary>One protobuf field value: varint, 32-bit (float) or length-delimited bytes.</summary>
    private readonly record struct ProtoValue(ulong Varint, ReadOnlyMemory<byte> Bytes, uint Fixed32)
    {
        public float Float => BitConverter.UInt32BitsToSingle(Fixed32);
    }

    private sealed class ProtoReader(ReadOnlyMemory<byte> data)
    {
        private int _pos;

        public IEnumerable<(int Field, ProtoValue Value)> Fields()
        {
            while (_pos < data.Length)
            {
                ulong key = ReadVarint();
                int field = (int)(key >> 3);
                switch ((int)(key & 7))
                {
                    case 0: yield return (field, new ProtoValue(ReadVarint(), default, 0)); break;
                    case 1: Need(8); _pos += 8; break;
                    case 2:
                        ulong length = ReadVarint();
                        if (length > (ulong)(data.Length - _pos)) throw new FormatException($"a field at byte {_pos} runs past the end of the file");
                        var bytes = data.Slice(_pos, (int)length);
                        _pos += (int)length;
                        yield return (field, new ProtoValue(0, bytes, 0));
                        break;
                    case 5:
                        Need(4);
                        uint value = BinaryPrimitives.ReadUInt32LittleEndian(data.Span.Slice(_pos, 4));
                        _pos += 4;
                        yield return (field, new ProtoValue(0, default, value));
                        break;
                    default: throw new FormatException($"unsupported wire type {key & 7} at byte {_pos}");
                }
            }
        }

        private void Need(int n)
        {
            if (_pos + n > data.Length) throw new FormatException($"truncated at byte {_pos}");
        }

        private ulong ReadVarint()
        {
            ulong result = 0;
            for (int shift = 0; shift < 64; shift += 7)
            {
                Need(1);
                byte b = data.Span[_pos++];
                result |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80) return result;
            }
            throw new FormatException($"malformed varint at byte {_pos}");
        }
    }
}
