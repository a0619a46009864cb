using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Parquet;
using Parquet.Schema;
using TuneSharp.Data;
using Xunit.Abstractions;

namespace TuneSharp.Tests.Fuzzing;

/// <summary>
/// Damaged dataset files (CSV, TSV, JSON Lines, JSON array, Parquet) either load as a text-classification dataset or
/// fail with a TuneSharpException naming the file, under both bad-row policies (error, then skip). See
/// <see cref="FileFuzzer"/> for the mutations and limits.
/// </summary>
public class DatasetFileFuzzTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private const int Iterations = 1000;

    // Texts with the characters the formats treat specially: quotes, delimiters, backslashes, non-ASCII, emoji.
    private static readonly (string Text, string Label)[] Rows =
    [
        ("a gripping, \"twisty\" thriller", "pos"), ("dull\tand slow", "neg"), ("naïve but charming 😀", "pos"),
        ("it's a mess; avoid", "neg"), ("back\\slash and {braces} [brackets]", "pos"), ("plain text", "neg"),
        ("123 456", "pos"), ("line one and line two", "neg"),
    ];

    private static string Quote(string value, char delimiter) =>
        value.IndexOfAny(['"', delimiter, '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"") + "\"" : value;

    // TSV has no quoting: its seed keeps tabs out of the texts.
    private static byte[] Delimited(char delimiter) => Encoding.UTF8.GetBytes(
        $"sentence{delimiter}label\n" + string.Concat(Rows.Select(r =>
            $"{(delimiter == '\t' ? r.Text.Replace('\t', ' ') : Quote(r.Text, delimiter))}{delimiter}{r.Label}\n")));

    private static byte[] JsonLines() => Encoding.UTF8.GetBytes(
        string.Concat(Rows.Select(r => JsonSerializer.Serialize(new { sentence = r.Text, label = r.Label }) + "\n")));

    private static byte[] JsonArray() => Encoding.UTF8.GetBytes(
        JsonSerializer.Serialize(Rows.Select(r => new { sentence = r.Text, label = r.Label, score = 0.5 }), new JsonSerializerOptions { WriteIndented = true }));

    private static async Task<byte[]> Parquet()
    {
        var schema = new ParquetSchema(new DataField<string>("sentence"), new DataField<string>("label"), new DataField<int>("id"));
        using var memory = new MemoryStream();
        await using (var writer = await ParquetWriter.CreateAsync(schema, memory))
        using (var group = writer.CreateRowGroup())
        {
            await group.WriteAsync(schema.DataFields[0], Rows.Select(r => r.Text).ToArray());
            await group.WriteAsync(schema.DataFields[1], Rows.Select(r => r.Label).ToArray());
            await group.WriteAsync<int>(schema.DataFields[2], Enumerable.Range(1, Rows.Length).ToArray());
        }
        return memory.ToArray();
    }

    private static FileFuzzer.Seed Seed(string fileName, byte[] bytes) =>
        new(fileName, new Dictionary<string, byte[]> { [fileName] = bytes }, [fileName]);

    /// <summary>Loads with on_bad_row = error; if that is refused (with the file named), loads again skipping bad rows.</summary>
    private static Action<string> Load(string fileName) => folder =>
    {
        var path = Path.Combine(folder, fileName);
        var options = new TextClassificationDataOptions { Path = path, TextColumn = "sentence", LabelColumn = "label" };
        try
        {
            TextClassificationData.Load(options);
            return;
        }
        catch (TuneSharpException e) when (e.Message.Contains(fileName, StringComparison.Ordinal))
        {
            // Refused as it should be; the skip policy must then cope too.
        }
        TextClassificationData.Load(options with { OnBadRow = BadRowPolicy.Skip });
    };

    private void Fuzz(FileFuzzer.Seed seed)
    {
        var fileName = seed.Targets[0];
        var valid = _tmp.File("valid");
        Directory.CreateDirectory(valid);
        File.WriteAllBytes(Path.Combine(valid, fileName), seed.Files[fileName]);
        Assert.Equal(Rows.Length, TextClassificationData.Load(new TextClassificationDataOptions
        {
            Path = Path.Combine(valid, fileName), TextColumn = "sentence", LabelColumn = "label",
        }).Count);

        var clock = Stopwatch.StartNew();
        var outcomes = FileFuzzer.Run(_tmp.Path, [seed], Iterations, Load(fileName));
        output.WriteLine($"{seed.Name}: {outcomes} in {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.Equal(Iterations, outcomes.Accepted + outcomes.Rejected);
        Assert.True(outcomes.Rejected > 0, "no mutation was rejected: the mutations do not reach the reader");
    }

    [Fact]
    public void DamagedCsvLoadsOrFailsWithANamedError() => Fuzz(Seed("train.csv", Delimited(',')));

    [Fact]
    public void DamagedTsvLoadsOrFailsWithANamedError() => Fuzz(Seed("train.tsv", Delimited('\t')));

    [Fact]
    public void DamagedJsonLinesLoadsOrFailsWithANamedError() => Fuzz(Seed("train.jsonl", JsonLines()));

    [Fact]
    public void DamagedJsonArrayLoadsOrFailsWithANamedError() => Fuzz(Seed("train.json", JsonArray()));

    [Fact]
    public async Task DamagedParquetLoadsOrFailsWithANamedError() => Fuzz(Seed("train.parquet", await Parquet()));

    /// <summary>
    /// A damaged footer that once made Parquet.Net 6.1 spin for ever (its Thrift reader takes the -1 at the end of the
    /// footer for the byte 0xFF and never finishes a varint; found by the fuzz test above, CsCheck seed 9TFsk0FN1vC2).
    /// It must now be refused, within the fuzzer's time limit, with an error naming the file.
    /// </summary>
    [Fact]
    public async Task Parquet_footer_that_once_hung_the_reader_is_refused()
    {
        var seed = Seed("train.parquet", await Parquet());
        FileFuzzer.Mutation[] mutations = [new(Kind: 5, Where: 0.855, FileFuzzer.PayloadOf("2147483648"u8.ToArray()), Mask: 0, Length: 1)];
        Assert.False(FileFuzzer.Replay(_tmp.Path, seed, mutations, Load("train.parquet")), "the damaged file was accepted");
    }
}
