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
    public bool HasPrecompiledCharsMap { get; init; }
    public bool AddDummyPrefix { get; init; } = true;
    public bool RemoveExtraWhitespaces { get; init; } = true;
    public bool EscapeWhitespaces { get; init; } = true;

    public static SentencePieceModelFile Read(string path)
    {
        var data = File.ReadAllBytes(path);
        var pieces = new List<(string, float, SentencePieceType)>();
        int modelType = 1, unk = 0, bos = 1, eos = 2, pad = -1;
        bool byteFallback = false, suffix = false, hasCharsMap = false, dummy = true, removeExtra = true, escape = true;
        string normalizerName = "";
        try
        {
            foreach (var (field, value) in new ProtoReader(data).Fields())
            {
                switch (field)
                {
                    case 1:
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
                            }
                        }
                        break;
                    case 3: // NormalizerSpec
                        foreach (var (f, v) in new ProtoReader(value.Bytes).Fields())
                        {
                            switch (f)
                            {
                                case 1: normalizerName = System.Text.Encoding.UTF8.GetString(v.Bytes.Span); break;
                                case 2: hasCharsMap = v.Bytes.Length > 0; break;
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
        if (pieces.Any(p => !Enum.IsDefined(p.Item3)))
            throw new TuneSharpException($"{path} is not a valid SentencePiece model: a piece has an unknown type.");
        return new SentencePieceModelFile
        {
            Pieces = pieces.ToArray(), ModelType = modelType, ByteFallback = byteFallback, UnkId = unk, BosId = bos, EosId = eos,
            PadId = pad > int.MaxValue || pad < 0 ? -1 : pad, // -1 is written as a 64-bit varint
            TreatWhitespaceAsSuffix = suffix, NormalizerName = normalizerName, HasPrecompiledCharsMap = hasCharsMap,
            AddDummyPrefix = dummy, RemoveExtraWhitespaces = removeExtra, EscapeWhitespaces = escape,
        };
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
