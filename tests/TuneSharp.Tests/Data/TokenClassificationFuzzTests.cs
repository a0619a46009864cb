using System.Diagnostics;
using System.Text;
using Parquet;
using Parquet.Schema;
using TuneSharp.Data;
using TuneSharp.Tests.Fuzzing;
using Xunit.Abstractions;

namespace TuneSharp.Tests.Data;

/// <summary>
/// Damaged token classification files (CoNLL, JSON Lines with list columns, Parquet with list columns) either load or
/// fail with a TuneSharpException naming the file, under both bad-row policies; see <see cref="FileFuzzer"/> for the
/// mutations and the time and allocation limits of each case.
/// </summary>
public class TokenClassificationFuzzTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private const int Iterations = 500;

    private static readonly string[][] Tokens = [["EU", "rejects", "German", "call"], ["Peter", "Blackburn"], ["naïve", "😀", "Köln", "."]];
    private static readonly string[][] Tags = [["B-ORG", "O", "B-MISC", "O"], ["I-PER", "I-PER"], ["O", "O", "B-LOC", "O"]];
    private static readonly string[] Names = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"];

    private static byte[] Conll() => Encoding.UTF8.GetBytes("-DOCSTART- -X- -X- O\n\n" + string.Concat(Tokens.Select((t, s) =>
        string.Concat(t.Select((token, i) => $"{token} NNP B-NP {Tags[s][i]}\n")) + "\n")));

    private static byte[] JsonLines() => Encoding.UTF8.GetBytes(string.Concat(Tokens.Select((t, s) =>
        $"{{\"tokens\": [{string.Join(", ", t.Select(x => $"\"{x}\""))}], \"ner_tags\": [{string.Join(", ", Tags[s].Select(x => Array.IndexOf(Names, x)))}]}}\n")));

    private static async Task<byte[]> Parquet()
    {
        var tokenItem = new DataField<string>("element");
        var tagItem = new DataField<string>("element");
        var schema = new ParquetSchema(new ListField("tokens", tokenItem), new ListField("ner_tags", tagItem));
        using var memory = new MemoryStream();
        await using (var writer = await ParquetWriter.CreateAsync(schema, memory))
        using (var group = writer.CreateRowGroup())
        {
            await group.WriteAsync(tokenItem, Tokens.SelectMany(t => t).ToArray(), Repetitions(Tokens));
            await group.WriteAsync(tagItem, Tags.SelectMany(t => t).ToArray(), Repetitions(Tags));
        }
        return memory.ToArray();
    }

    private static ReadOnlyMemory<int> Repetitions(string[][] lists) => lists.SelectMany(l => l.Select((_, i) => i == 0 ? 0 : 1)).ToArray();

    private static Action<string> Load(string fileName) => folder =>
    {
        var options = new TokenClassificationDataOptions { Path = Path.Combine(folder, fileName), LabelNames = Names };
        try
        {
            TokenClassificationData.Load(options);
            return;
        }
        catch (TuneSharpException e) when (e.Message.Contains(fileName, StringComparison.Ordinal))
        {
            // Refused as it should be; the skip policy must then cope too.
        }
        TokenClassificationData.Load(options with { OnBadRow = BadRowPolicy.Skip });
    };

    private void Fuzz(string fileName, byte[] bytes)
    {
        var valid = _tmp.File("valid");
        Directory.CreateDirectory(valid);
        File.WriteAllBytes(Path.Combine(valid, fileName), bytes);
        var dataset = TokenClassificationData.Load(new TokenClassificationDataOptions { Path = Path.Combine(valid, fileName), LabelNames = Names });
        Assert.Equal(Tokens, dataset.Examples.Select(e => e.Tokens));
        Assert.Equal(["B-PER", "I-PER"], dataset.Examples[1].Tags); // the seed's IOB1 sentence, converted

        var seed = new FileFuzzer.Seed(fileName, new Dictionary<string, byte[]> { [fileName] = bytes }, [fileName]);
        var clock = Stopwatch.StartNew();
        var outcomes = FileFuzzer.Run(_tmp.Path, [seed], Iterations, Load(fileName));
        output.WriteLine($"{fileName}: {outcomes} in {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.Equal(Iterations, outcomes.Accepted + outcomes.Rejected);
        Assert.True(outcomes.Rejected > 0, "no mutation was rejected: the mutations do not reach the reader");
    }

    [Fact]
    public void Damaged_conll_loads_or_fails_with_a_named_error() => Fuzz("train.conll", Conll());

    [Fact]
    public void Damaged_jsonl_with_list_columns_loads_or_fails_with_a_named_error() => Fuzz("train.jsonl", JsonLines());

    [Fact]
    public async Task Damaged_parquet_with_list_columns_loads_or_fails_with_a_named_error() => Fuzz("train.parquet", await Parquet());
}
