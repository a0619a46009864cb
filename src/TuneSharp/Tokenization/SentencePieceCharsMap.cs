using System.Buffers.Binary;

namespace TuneSharp.Tokenization;

/// <summary>
/// SentencePiece's compiled normalisation rules (<c>normalizer_spec.precompiled_charsmap</c> in a <c>.model</c> file,
/// the base64 <c>precompiled_charsmap</c> of tokenizer.json's "Precompiled" normaliser): a uint32 little-endian size
/// of the trie in bytes, a Darts-clone double-array trie over the UTF-8 bytes of each source string, then the
/// replacement strings, each ended by NUL. A trie value is the byte offset of its replacement string.
/// <para>
/// Darts-clone's 32-bit units, as SentencePiece reads them: bits 0-7 the label (the byte that leads to the node),
/// bit 8 "this node ends a key", bits 10-31 the offset to the node's children (shifted left by 8 more when bit 9 is
/// set); a leaf unit has bit 31 set and the value in bits 0-30. From a node at position p whose offset is o, the child
/// for byte c is at p ^ o ^ c (and is a child only if its label is c), and the node's own value at p ^ o.
/// </para>
/// Written here because no NuGet package reads this format faithfully: Microsoft.ML.Tokenizers 2.0.1 and 3.0.0
/// (the served versions) decode it but treat an empty replacement as "no rule" (a removed character stays), as the
/// tests of this file's callers show against hand-built charsmaps.
/// </summary>
internal sealed class SentencePieceCharsMap
{
    /// <summary>SentencePiece's kMaxTrieResultsSize: at most this many rules share a prefix.</summary>
    private const int MaxMatches = 32;

    private readonly uint[] _units;
    private readonly byte[] _normalized;
    private readonly Dictionary<int, string> _replacements = new();

    private SentencePieceCharsMap(uint[] units, byte[] normalized)
    {
        _units = units;
        _normalized = normalized;
    }

    /// <summary>Number of trie units (for diagnostics and tests).</summary>
    public int TrieUnits => _units.Length;

    /// <summary>Reads a charsmap blob and checks that every rule the trie holds points inside the replacement strings.</summary>
    /// <param name="blob">The bytes.</param>
    /// <param name="source">Names the file and field in error messages, e.g. "spm.model: normalizer_spec.precompiled_charsmap".</param>
    /// <exception cref="TuneSharpException">The blob is malformed; the message names <paramref name="source"/>.</exception>
    public static SentencePieceCharsMap Parse(ReadOnlySpan<byte> blob, string source)
    {
        if (blob.Length <= 4)
            throw new TuneSharpException($"{source} is {blob.Length} bytes; a precompiled charsmap starts with a 4-byte trie size followed by the trie.");
        uint trieBytes = BinaryPrimitives.ReadUInt32LittleEndian(blob);
        if (trieBytes == 0 || trieBytes % 4 != 0 || trieBytes > (uint)(blob.Length - 4))
            throw new TuneSharpException($"{source}: the trie size {trieBytes} (first 4 bytes) must be a positive multiple of 4 " +
                                         $"and fit in the {blob.Length - 4} bytes that follow.");
        var units = new uint[trieBytes / 4];
        for (int i = 0; i < units.Length; i++) units[i] = BinaryPrimitives.ReadUInt32LittleEndian(blob.Slice(4 + 4 * i, 4));
        var map = new SentencePieceCharsMap(units, blob[(4 + (int)trieBytes)..].ToArray());
        map.Validate(source);
        return map;
    }

    private static int Offset(uint unit) => (int)((unit >> 10) << (int)((unit & (1u << 9)) >> 6));
    private static bool HasLeaf(uint unit) => ((unit >> 8) & 1) == 1;
    private static uint Label(uint unit) => unit & ((1u << 31) | 0xFF);
    private static int Value(uint unit) => (int)(unit & 0x7FFFFFFF);

    /// <summary>
    /// Darts' commonPrefixSearch: every rule whose source is a prefix of <paramref name="key"/>, shortest first, as
    /// (source length in bytes, replacement offset). Positions outside the trie end the search (SentencePiece would
    /// read past its array there; <see cref="Parse"/> has already refused tries whose rules lead outside).
    /// </summary>
    private int Matches(ReadOnlySpan<byte> key, Span<(int Length, int Value)> results)
    {
        int count = 0;
        long pos = Offset(_units[0]);
        for (int i = 0; i < key.Length && count < results.Length; i++)
        {
            pos ^= key[i];
            if (pos >= _units.Length) break;
            uint unit = _units[pos];
            if (Label(unit) != key[i]) break;
            pos ^= Offset(unit);
            if (HasLeaf(unit))
            {
                if (pos >= _units.Length) break;
                results[count++] = (i + 1, Value(_units[pos]));
            }
        }
        return count;
    }

    /// <summary>SentencePiece's rule (Normalizer::NormalizePrefix): the longest rule whose source starts
    /// <paramref name="key"/>; its source length in bytes and replacement (possibly empty), or false when none applies.</summary>
    public bool TryLongest(ReadOnlySpan<byte> key, out int length, out string replacement)
    {
        Span<(int, int)> results = stackalloc (int, int)[MaxMatches];
        int count = Matches(key, results);
        length = 0; replacement = "";
        if (count == 0) return false;
        var (bestLength, bestValue) = results[0];
        for (int k = 1; k < count; k++) if (results[k].Item1 > bestLength) (bestLength, bestValue) = results[k];
        length = bestLength;
        replacement = Replacement(bestValue);
        return true;
    }

    /// <summary>Hugging Face's rule (spm_precompiled's transform): the replacement of the SHORTEST rule whose source
    /// starts <paramref name="key"/>, standing for the whole key, or false when none applies.</summary>
    public bool TryFirst(ReadOnlySpan<byte> key, out string replacement)
    {
        Span<(int, int)> results = stackalloc (int, int)[MaxMatches];
        replacement = "";
        if (Matches(key, results) == 0) return false;
        replacement = Replacement(results[0].Item2);
        return true;
    }

    private string Replacement(int offset)
    {
        lock (_replacements)
        {
            if (_replacements.TryGetValue(offset, out var s)) return s;
            int end = Array.IndexOf(_normalized, (byte)0, offset);
            if (end < 0) end = _normalized.Length;
            s = System.Text.Encoding.UTF8.GetString(_normalized, offset, end - offset);
            _replacements[offset] = s;
            return s;
        }
    }

    /// <summary>Walks every node reachable from the root (each byte value tried at each node) and checks that each
    /// rule's replacement offset lies inside the replacement strings, so a malformed file fails at load time.</summary>
    private void Validate(string source)
    {
        var visited = new HashSet<long>();
        var stack = new Stack<(long Pos, int Depth)>();
        long root = Offset(_units[0]);
        for (int c = 1; c < 256; c++) Visit(root ^ c, (uint)c, 1);
        while (stack.Count > 0)
        {
            var (pos, depth) = stack.Pop();
            long children = pos ^ Offset(_units[pos]);
            if (HasLeaf(_units[pos]))
            {
                if (children >= _units.Length)
                    throw new TuneSharpException($"{source}: a rule's value lies at trie unit {children}, past the trie's {_units.Length} units.");
                int value = Value(_units[children]);
                if (value >= _normalized.Length)
                    throw new TuneSharpException($"{source}: a rule points at replacement offset {value}, past the {_normalized.Length} bytes of replacement strings.");
            }
            if (depth >= 256) continue; // no real rule is this long; stop rather than loop on a cyclic trie
            for (int c = 1; c < 256; c++) Visit(children ^ c, (uint)c, depth + 1);
        }

        void Visit(long pos, uint label, int depth)
        {
            if (pos < 0 || pos >= _units.Length || Label(_units[pos]) != label || !visited.Add(pos)) return;
            stack.Push((pos, depth));
        }
    }
}
