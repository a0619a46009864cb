using System.Text;
using CsCheck;

namespace TuneSharp.Tests.Fuzzing;

/// <summary>
/// Mutation fuzzing of file parsers with CsCheck: valid seed files are damaged (byte flips, truncations, deletions,
/// duplicated chunks, insertions or overwrites of quotes, delimiters, newlines, NUL, invalid UTF-8, huge numbers,
/// runaway protobuf varints) and handed to the parser. The only acceptable failure is a <see cref="TuneSharpException"/>
/// whose message names one of the files; any other exception, a case running past <see cref="CaseTimeout"/>, or a case
/// allocating more than <see cref="MaxCaseAllocation"/> fails the test with the input that caused it.
/// </summary>
internal static class FileFuzzer
{
    public static readonly TimeSpan CaseTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Seeds are at most a few hundred KB: a parser allocating more than this per case is unbounded.</summary>
    public const long MaxCaseAllocation = 128L * 1024 * 1024;

    /// <summary>One edit of the target file. <paramref name="Where"/> is a fraction of its length.</summary>
    public sealed record Mutation(int Kind, double Where, int Payload, byte Mask, int Length)
    {
        public override string ToString() => Kind switch
        {
            0 => $"flip@{Where:0.###}^{Mask:x2}",
            1 => $"truncate@{Where:0.###}",
            2 => $"insert@{Where:0.###}:{Show(Payloads[Payload])}",
            3 => $"delete@{Where:0.###}x{Length}",
            4 => $"duplicate@{Where:0.###}x{Length}",
            _ => $"overwrite@{Where:0.###}:{Show(Payloads[Payload])}",
        };
    }

    private static readonly byte[][] Payloads =
    [
        "\""u8.ToArray(), "\"\""u8.ToArray(), ","u8.ToArray(), "\t"u8.ToArray(), "\n"u8.ToArray(), "\r\n"u8.ToArray(), "\r"u8.ToArray(),
        [0], [0xFF], [0xC3], [0xED, 0xA0, 0x80], [0xF0, 0x9F, 0x98], [0xEF, 0xBB, 0xBF], [0x80],
        "{"u8.ToArray(), "}"u8.ToArray(), "["u8.ToArray(), "]"u8.ToArray(), ":"u8.ToArray(), "\\"u8.ToArray(), " "u8.ToArray(),
        "99999999999999999999999999999"u8.ToArray(), "-1"u8.ToArray(), "-2147483649"u8.ToArray(), "2147483648"u8.ToArray(), "1e400"u8.ToArray(),
        "NaN"u8.ToArray(), "null"u8.ToArray(), "true"u8.ToArray(), "\\u0000"u8.ToArray(), "\\ud800"u8.ToArray(), "##"u8.ToArray(), "[UNK]"u8.ToArray(),
        [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], // a 64-bit varint: a huge protobuf length or id
        [0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x07], // protobuf field 1 (pieces), length 2^31-1
        [0x12, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F], // protobuf field 2, length 2^32-1
        [0x1D, 0x00, 0x00, 0xC0, 0x7F], // protobuf fixed32 NaN score
        [0x00, 0x00, 0x00, 0x00], "PAR1"u8.ToArray(),
    ];

    private static readonly Gen<Mutation> OneMutation =
        Gen.Select(Gen.Int[0, 5], Gen.Double[0, 1], Gen.Int[0, Payloads.Length - 1], Gen.Byte, Gen.Int[1, 64],
            (kind, where, payload, mask, length) => new Mutation(kind, where, payload, mask, length));

    private static readonly Gen<Mutation[]> Mutations = OneMutation.Array[1, 4];

    /// <summary>A set of files forming one valid input, and which of them the fuzzer damages.</summary>
    public sealed record Seed(string Name, IReadOnlyDictionary<string, byte[]> Files, IReadOnlyList<string> Targets);

    /// <summary>Counts of the outcomes of a fuzz run.</summary>
    public sealed class Outcomes
    {
        private long _accepted, _rejected;
        public long Accepted => Interlocked.Read(ref _accepted);
        public long Rejected => Interlocked.Read(ref _rejected);
        public void Accept() => Interlocked.Increment(ref _accepted);
        public void Reject() => Interlocked.Increment(ref _rejected);
        public override string ToString() => $"{Accepted + Rejected} cases: {Accepted} parsed, {Rejected} rejected with a TuneSharpException";
    }

    public static byte[] Apply(byte[] seed, IEnumerable<Mutation> mutations)
    {
        var data = new List<byte>(seed);
        foreach (var m in mutations)
        {
            var at = Math.Min((int)(m.Where * data.Count), data.Count);
            switch (m.Kind)
            {
                case 0 when data.Count > 0: data[Math.Min(at, data.Count - 1)] ^= (byte)(m.Mask | 1); break;
                case 1: data.RemoveRange(at, data.Count - at); break;
                case 2: data.InsertRange(at, Payloads[m.Payload]); break;
                case 3: data.RemoveRange(at, Math.Min(m.Length, data.Count - at)); break;
                case 4: data.InsertRange(at, data.GetRange(at, Math.Min(m.Length, data.Count - at)).ToArray()); break;
                case 5:
                    var payload = Payloads[m.Payload];
                    for (int i = 0; i < payload.Length; i++)
                        if (at + i < data.Count) data[at + i] = payload[i]; else data.Add(payload[i]);
                    break;
            }
        }
        return data.ToArray();
    }

    /// <summary>
    /// Runs <paramref name="iterations"/> cases, one at a time (so that a case's allocations are its own): each writes one
    /// seed's files (one target damaged) into a fresh folder under <paramref name="root"/> and calls <paramref name="parse"/> with it. Cases are random on every run
    /// (CsCheck prints the seed to reproduce a failure with CsCheck_Seed=...).
    /// </summary>
    public static Outcomes Run(string root, IReadOnlyList<Seed> seeds, int iterations, Action<string> parse)
    {
        var outcomes = new Outcomes();
        var cases = Gen.Select(Gen.Int[0, seeds.Count - 1], Gen.Int[0, 15], Mutations, (s, t, m) => (Seed: s, Target: t, Mutations: m));
        var counter = 0;
        cases.Sample(c =>
        {
            var seed = seeds[c.Seed];
            var target = seed.Targets[c.Target % seed.Targets.Count];
            var folder = Path.Combine(root, $"case{Interlocked.Increment(ref counter)}");
            Directory.CreateDirectory(folder);
            try
            {
                foreach (var (name, bytes) in seed.Files)
                    File.WriteAllBytes(Path.Combine(folder, name), name == target ? Apply(bytes, c.Mutations) : bytes);
                Check(folder, seed, target, c.Mutations, parse, outcomes);
            }
            finally
            {
                Directory.Delete(folder, recursive: true);
            }
        }, iter: iterations, threads: 1, print: c => $"seed {seeds[c.Seed].Name}, target #{c.Target}, {string.Join(", ", c.Mutations.Select(m => m.ToString()))}");
        return outcomes;
    }

    /// <summary>The index of a payload, for replaying a case that once failed (see <see cref="Replay"/>).</summary>
    public static int PayloadOf(byte[] payload) =>
        Array.FindIndex(Payloads, p => p.AsSpan().SequenceEqual(payload)) is var i and >= 0 ? i : throw new ArgumentException("not one of the payloads");

    /// <summary>
    /// Runs one case, with the same limits as <see cref="Run"/>, and returns how it ended: true when the damaged file
    /// parsed, false when it was rejected with a named error (anything else throws).
    /// </summary>
    public static bool Replay(string root, Seed seed, Mutation[] mutations, Action<string> parse)
    {
        var folder = Path.Combine(root, "replay");
        Directory.CreateDirectory(folder);
        try
        {
            var target = seed.Targets[0];
            foreach (var (name, bytes) in seed.Files)
                File.WriteAllBytes(Path.Combine(folder, name), name == target ? Apply(bytes, mutations) : bytes);
            var outcomes = new Outcomes();
            Check(folder, seed, target, mutations, parse, outcomes);
            return outcomes.Accepted == 1;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static void Check(string folder, Seed seed, string target, Mutation[] mutations, Action<string> parse, Outcomes outcomes)
    {
        Exception? error = null;
        long allocated = 0;
        var task = Task.Factory.StartNew(() =>
        {
            // All threads' allocations: parsers built on async libraries (Parquet.Net) allocate on thread-pool threads
            // too. Cases run one at a time (see Run), so nothing else allocates meanwhile but the runtime itself.
            var before = GC.GetTotalAllocatedBytes(precise: true);
            try { parse(folder); }
            catch (Exception e) { error = e; }
            allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        }, TaskCreationOptions.LongRunning);
        var what = $"{seed.Name}: {target} mutated by {string.Join(", ", mutations.Select(m => m.ToString()))}";
        if (!task.Wait(CaseTimeout)) throw new TimeoutException($"{what}: still parsing after {CaseTimeout.TotalSeconds} s (a hang)");
        if (allocated > MaxCaseAllocation) throw new InvalidOperationException($"{what}: allocated {allocated / (1024 * 1024)} MB");
        if (error is null)
        {
            outcomes.Accept();
            return;
        }
        if (error is TuneSharpException && seed.Files.Keys.Any(name => error.Message.Contains(name, StringComparison.Ordinal)))
        {
            outcomes.Reject();
            return;
        }
        throw new InvalidOperationException(error is TuneSharpException
            ? $"{what}: the error message names none of the files ({string.Join(", ", seed.Files.Keys)}): {error.Message}"
            : $"{what}: {error.GetType().Name} instead of a TuneSharpException: {error}", error);
    }

    private static string Show(byte[] bytes) =>
        bytes.All(b => b is >= 0x20 and < 0x7F) ? Encoding.ASCII.GetString(bytes) : Convert.ToHexString(bytes);
}
