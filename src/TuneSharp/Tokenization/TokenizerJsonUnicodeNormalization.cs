using System.Globalization;
using System.Text;

namespace TuneSharp.Tokenization;

/// <summary>
/// Unicode normalization forms NFD, NFKD, NFC and NFKC written by hand. The project runs with
/// InvariantGlobalization, and in that mode <see cref="string.Normalize(NormalizationForm)"/> leaves non-ASCII
/// text unchanged, which would silently break accent stripping (BERT uncased) and NFKC normalizers. The
/// character data comes from <see cref="TokenizerJsonUnicodeTables"/>; the algorithm is the one of UAX #15:
/// full decomposition, canonical ordering of combining marks, then canonical composition.
/// </summary>
internal static class TokenizerJsonUnicodeNormalization
{
    private const int HangulSBase = 0xAC00, HangulLBase = 0x1100, HangulVBase = 0x1161, HangulTBase = 0x11A7;
    private const int HangulLCount = 19, HangulVCount = 21, HangulTCount = 28;
    private const int HangulNCount = HangulVCount * HangulTCount, HangulSCount = HangulLCount * HangulNCount;

    private sealed class Tables
    {
        public readonly Dictionary<int, int[]> Canonical = new();
        public readonly Dictionary<int, int[]> Compatibility = new();
        public readonly Dictionary<long, int> Composition = new();
        public readonly Dictionary<int, byte> CombiningClass = new();
    }

    private static readonly Lazy<Tables> Data = new(Parse);

    private static Tables Parse()
    {
        var tables = new Tables();
        foreach (var entry in TokenizerJsonUnicodeTables.Decompositions.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            int kindAt = entry.IndexOfAny(['>', ':', '!']);
            int cp = int.Parse(entry.AsSpan(0, kindAt), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            var parts = entry[(kindAt + 1)..].Split(',').Select(p => int.Parse(p, NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToArray();
            switch (entry[kindAt])
            {
                case '!': tables.Compatibility[cp] = parts; break;
                case '>': tables.Canonical[cp] = parts; tables.Composition[PairKey(parts[0], parts[1])] = cp; break;
                default: tables.Canonical[cp] = parts; break;
            }
        }
        foreach (var entry in TokenizerJsonUnicodeTables.CombiningClasses.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = entry.IndexOf('=');
            var range = entry[..eq].Split('-');
            int first = int.Parse(range[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            int last = range.Length > 1 ? int.Parse(range[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture) : first;
            byte cls = byte.Parse(entry[(eq + 1)..], CultureInfo.InvariantCulture);
            for (int cp = first; cp <= last; cp++) tables.CombiningClass[cp] = cls;
        }
        return tables;
    }

    private static long PairKey(int a, int b) => ((long)a << 21) | (uint)b;

    /// <summary>Canonical combining class of a code point (0 for starters).</summary>
    public static int CombiningClass(int codePoint) => Data.Value.CombiningClass.TryGetValue(codePoint, out var c) ? c : 0;

    /// <summary>True when a code point attaches to the preceding one under normalization (a combining mark,
    /// a Hangul vowel/trailing jamo, or a character decomposing into a mark such as a half-width voicing mark).
    /// Normalization never crosses the boundary before a code point for which this is false.</summary>
    public static bool AttachesToPrevious(int codePoint)
    {
        if (CombiningClass(codePoint) != 0) return true;
        if (codePoint >= HangulVBase && codePoint < HangulTBase + HangulTCount) return true;
        var tables = Data.Value;
        if (tables.Canonical.TryGetValue(codePoint, out var d) || tables.Compatibility.TryGetValue(codePoint, out d))
            return CombiningClass(d[0]) != 0 || AttachesToPrevious(d[0]);
        return false;
    }

    /// <summary>Normalizes <paramref name="text"/> to the given form.</summary>
    public static string Normalize(string text, NormalizationForm form)
    {
        bool ascii = true;
        foreach (var c in text) if (c >= 0x80) { ascii = false; break; }
        if (ascii) return text;

        bool compatibility = form is NormalizationForm.FormKD or NormalizationForm.FormKC;
        var codePoints = new List<int>(text.Length + 4);
        foreach (var rune in text.EnumerateRunes()) Decompose(rune.Value, compatibility, codePoints);
        SortCombiningMarks(codePoints);
        if (form is NormalizationForm.FormC or NormalizationForm.FormKC) Compose(codePoints);

        var sb = new StringBuilder(codePoints.Count);
        foreach (var cp in codePoints) sb.Append(char.ConvertFromUtf32(cp));
        return sb.ToString();
    }

    private static void Decompose(int cp, bool compatibility, List<int> output)
    {
        int s = cp - HangulSBase;
        if (s >= 0 && s < HangulSCount)
        {
            output.Add(HangulLBase + s / HangulNCount);
            output.Add(HangulVBase + s % HangulNCount / HangulTCount);
            if (s % HangulTCount != 0) output.Add(HangulTBase + s % HangulTCount);
            return;
        }
        var tables = Data.Value;
        if (tables.Canonical.TryGetValue(cp, out var parts) || (compatibility && tables.Compatibility.TryGetValue(cp, out parts)))
        {
            foreach (var p in parts) Decompose(p, compatibility, output);
            return;
        }
        output.Add(cp);
    }

    /// <summary>Canonical ordering: a stable sort by combining class of each run of non-starters.</summary>
    private static void SortCombiningMarks(List<int> cps)
    {
        for (int i = 1; i < cps.Count; i++)
        {
            int cls = CombiningClass(cps[i]);
            if (cls == 0) continue;
            for (int j = i; j > 0; j--)
            {
                int prevCls = CombiningClass(cps[j - 1]);
                if (prevCls == 0 || prevCls <= cls) break;
                (cps[j - 1], cps[j]) = (cps[j], cps[j - 1]);
            }
        }
    }

    private static void Compose(List<int> cps)
    {
        var result = new List<int>(cps.Count);
        int starterAt = -1, lastClass = -1; // lastClass: class of the last code point kept after the starter, -1 if none
        foreach (var cp in cps)
        {
            int cls = CombiningClass(cp);
            bool blocked = lastClass != -1 && (lastClass == 0 || lastClass >= cls);
            if (starterAt >= 0 && !blocked && TryCompose(result[starterAt], cp, out var composed))
            {
                result[starterAt] = composed;
                continue;
            }
            if (cls == 0) { starterAt = result.Count; lastClass = -1; }
            else lastClass = cls;
            result.Add(cp);
        }
        cps.Clear();
        cps.AddRange(result);
    }

    private static bool TryCompose(int first, int second, out int composed)
    {
        int l = first - HangulLBase, v = second - HangulVBase;
        if (l >= 0 && l < HangulLCount && v >= 0 && v < HangulVCount)
        {
            composed = HangulSBase + (l * HangulVCount + v) * HangulTCount;
            return true;
        }
        int s = first - HangulSBase, t = second - HangulTBase;
        if (s >= 0 && s < HangulSCount && s % HangulTCount == 0 && t > 0 && t < HangulTCount)
        {
            composed = first + t;
            return true;
        }
        return Data.Value.Composition.TryGetValue(PairKey(first, second), out composed);
    }
}
