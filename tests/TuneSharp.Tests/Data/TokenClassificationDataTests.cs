using System.Diagnostics;
using System.Text;
using Parquet;
using Parquet.Schema;
using TuneSharp.Data;
using Xunit.Abstractions;

namespace TuneSharp.Tests.Data;

/// <summary>
/// Token classification data: the real CoNLL-2003 files against the counts of their README, and small files for
/// each rule (document starts, IOB1 → IOB2, BIOES, integer tags, list columns in JSON Lines, JSON and Parquet) and
/// each error, whose message must name the file and the line.
/// </summary>
public class TokenClassificationDataTests(ITestOutputHelper output)
{
    private static readonly string[] Conll2003Labels = ["B-LOC", "B-MISC", "B-ORG", "B-PER", "I-LOC", "I-MISC", "I-ORG", "I-PER", "O"];

    /// <summary>The Hugging Face Hub's conll2003 ClassLabel names, in id order.</summary>
    private static readonly string[] HubNerNames = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"];

    private static TokenClassificationDataset Load(string path, DatasetFormat? format = null, LabelMap? labels = null,
        IReadOnlyList<string>? names = null, BadRowPolicy onBadRow = BadRowPolicy.Error, int labelColumn = -1) =>
        TokenClassificationData.Load(new TokenClassificationDataOptions
        {
            Path = path, Format = format, LabelMap = labels, LabelNames = names, OnBadRow = onBadRow, ConllLabelColumn = labelColumn,
        });

    private static DataFormatException LoadFails(string path, DatasetFormat? format = null, LabelMap? labels = null, IReadOnlyList<string>? names = null) =>
        Assert.Throws<DataFormatException>(() => Load(path, format, labels, names));

    private static void AssertAt(DataFormatException error, string path, int? line, string? column = null, string lineNoun = "line")
    {
        Assert.Equal(path, error.FilePath);
        Assert.Equal(line, error.Line);
        Assert.Equal(column, error.Column);
        var where = $"Invalid dataset file '{path}'" + (line is null ? "" : $", {lineNoun} {line}") + (column is null ? "" : $", column '{column}'");
        Assert.StartsWith(where + ": ", error.Message);
    }

    private static Dictionary<string, int> BeginCounts(TokenClassificationDataset dataset) =>
        dataset.Examples.SelectMany(e => e.Tags).Where(t => t.StartsWith("B-", StringComparison.Ordinal))
            .GroupBy(t => t[2..]).ToDictionary(g => g.Key, g => g.Count());

    private static string Write(TempDir dir, string name, string text)
    {
        var path = dir.File(name);
        File.WriteAllText(path, text);
        return path;
    }

    // ---- The real CoNLL-2003 files (counts from ../shared/data/conll2003/README.md) ----

    [SkippableFact]
    public void Eng_train_has_the_sentences_tokens_labels_and_entities_of_its_readme()
    {
        var path = SharedData.RequireData("conll2003/eng.train");
        Load(path); // warm up (JIT), so the timing below is the reading itself
        var clock = Stopwatch.StartNew();
        var train = Load(path);
        clock.Stop();
        output.WriteLine($"eng.train: {train.Count:N0} sentences, {train.TokenCount:N0} tokens read in {clock.Elapsed.TotalMilliseconds:F0} ms");

        Assert.Equal(DatasetFormat.Conll, TokenClassificationData.DetectFormat(path));
        Assert.Equal(14_041, train.Count);
        Assert.Equal(203_621, train.TokenCount);
        Assert.Equal(Conll2003Labels, train.Labels.Labels); // sorted, as run_ner's get_label_list does
        var begins = BeginCounts(train);
        Assert.Equal(7_140, begins["LOC"]);
        Assert.Equal(6_600, begins["PER"]);
        Assert.Equal(6_321, begins["ORG"]);
        Assert.Equal(3_438, begins["MISC"]);
        Assert.Equal(4, begins.Count);
        Assert.Equal(TagScheme.Iob2, train.TagScheme);
        Assert.False(train.ConvertedFromIob1);
        Assert.Equal(0, train.Skipped.Count);

        // The file's first lines: "EU NNP B-NP B-ORG" ... ". . O O", a blank line, then "Peter NNP B-NP B-PER" on line 11.
        Assert.Equal(["EU", "rejects", "German", "call", "to", "boycott", "British", "lamb", "."], train.Examples[0].Tokens);
        Assert.Equal(["B-ORG", "O", "B-MISC", "O", "O", "O", "B-MISC", "O", "O"], train.Examples[0].Tags);
        Assert.Equal(1, train.Examples[0].Line);
        Assert.Equal(["Peter", "Blackburn"], train.Examples[1].Tokens);
        Assert.Equal(11, train.Examples[1].Line);
        Assert.Equal([3, 7], train.TagIds(train.Examples[1])); // B-PER, I-PER in the sorted list
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"reading eng.train took {clock.Elapsed}");
    }

    [SkippableFact]
    public void Eng_testa_and_testb_read_with_the_training_label_map()
    {
        var train = Load(SharedData.RequireData("conll2003/eng.train"));
        var testa = Load(SharedData.RequireData("conll2003/eng.testa"), labels: train.Labels);
        var testb = Load(SharedData.RequireData("conll2003/eng.testb"), labels: train.Labels);

        Assert.Equal(3_250, testa.Count);
        Assert.Equal(51_362, testa.TokenCount);
        Assert.Equal(new Dictionary<string, int> { ["PER"] = 1_842, ["LOC"] = 1_837, ["ORG"] = 1_341, ["MISC"] = 922 }, BeginCounts(testa));
        Assert.Equal(3_453, testb.Count);
        Assert.Equal(46_435, testb.TokenCount);
        Assert.Equal(new Dictionary<string, int> { ["LOC"] = 1_668, ["ORG"] = 1_661, ["PER"] = 1_617, ["MISC"] = 702 }, BeginCounts(testb));
        Assert.Same(train.Labels, testa.Labels);
        Assert.Equal(["CRICKET", "-", "LEICESTERSHIRE", "TAKE", "OVER", "AT", "TOP", "AFTER", "INNINGS", "VICTORY", "."], testa.Examples[0].Tokens);
    }

    [SkippableFact]
    public void Conll_label_column_picks_another_column()
    {
        var path = SharedData.RequireData("conll2003/eng.train");
        var pos = Load(path, labelColumn: 1); // token POS chunk NER: column 1 is the part of speech
        Assert.Equal(["NNP", "VBZ", "JJ", "NN", "TO", "VB", "JJ", "NN", "."], pos.Examples[0].Tags);
        Assert.Equal(TagScheme.Plain, pos.TagScheme);
        var chunks = Load(path, labelColumn: -2);
        Assert.Equal(["B-NP", "B-VP", "B-NP", "I-NP", "B-VP", "I-VP", "B-NP", "I-NP", "O"], chunks.Examples[0].Tags);
    }

    // ---- CoNLL rules on small files ----

    [Fact]
    public void Docstart_lines_end_sentences_and_are_not_tokens()
    {
        using var dir = new TempDir();
        var path = Write(dir, "doc.conll",
            "-DOCSTART- -X- -X- O\n" +      // 1
            "\n" +                          // 2
            "EU NNP B-NP B-ORG\n" +         // 3
            "rejects VBZ B-VP O\n" +        // 4
            "-DOCSTART- -X- -X- O\n" +      // 5: ends the sentence without a blank line
            "Peter NNP B-NP B-PER\n" +      // 6
            "\n\n\n" +                      // 7-9: a run of blank lines is one break
            "-DOCSTART- -X- O\n" +          // 10: its own column count is not checked
            "Paris NNP B-NP B-LOC\n");      // 11, no final newline needed

        var dataset = Load(path);

        Assert.Equal([["EU", "rejects"], ["Peter"], ["Paris"]], dataset.Examples.Select(e => e.Tokens));
        Assert.Equal([3, 6, 11], dataset.Examples.Select(e => e.Line));
        Assert.Equal(["B-LOC", "B-ORG", "B-PER", "O"], dataset.Labels.Labels);
    }

    [Fact]
    public void Crlf_byte_order_mark_tabs_and_trailing_whitespace_read_like_a_clean_file()
    {
        using var dir = new TempDir();
        var clean = Write(dir, "clean.conll", "EU NNP B-ORG\nrejects VBZ O\n\nPeter NNP B-PER\n");
        var messy = dir.File("messy.conll");
        File.WriteAllBytes(messy, [0xEF, 0xBB, 0xBF, .. "EU\tNNP  B-ORG \t\r\nrejects VBZ\tO\r\n \t\r\nPeter NNP B-PER   \r\n\r\n"u8]);

        var expected = Load(clean);
        var actual = Load(messy);

        Assert.Equal(expected.Examples.Select(e => e.Tokens), actual.Examples.Select(e => e.Tokens));
        Assert.Equal(expected.Examples.Select(e => e.Tags), actual.Examples.Select(e => e.Tags));
        Assert.Equal([1, 4], actual.Examples.Select(e => e.Line));
        Assert.Equal("EU", actual.Examples[0].Tokens[0]); // no byte order mark in the first token
    }

    [Fact]
    public void Iob1_is_detected_and_converted_to_iob2()
    {
        using var dir = new TempDir();
        // The original CoNLL-2003 release's first test sentence, and two cases worked by hand:
        // adjacent entities of one type (B- separates them in IOB1), and adjacent entities of two types.
        var path = Write(dir, "iob1.conll",
            "U.N. NNP I-NP I-ORG\nofficial NN I-NP O\nEkeus NNP I-NP I-PER\nheads VBZ I-VP O\nfor IN I-PP O\nBaghdad NNP I-NP I-LOC\n. . O O\n\n" +
            "John NNP I-NP I-PER\nSmith NNP I-NP I-PER\nMary NNP I-NP B-PER\nJones NNP I-NP I-PER\n\n" +
            "Paris NNP I-NP I-LOC\nUnesco NNP I-NP I-ORG\n");

        var dataset = Load(path);

        Assert.Equal(TagScheme.Iob1, dataset.SourceTagScheme);
        Assert.True(dataset.ConvertedFromIob1);
        Assert.Equal(TagScheme.Iob2, dataset.TagScheme);
        Assert.Equal(["B-ORG", "O", "B-PER", "O", "O", "B-LOC", "O"], dataset.Examples[0].Tags);
        Assert.Equal(["B-PER", "I-PER", "B-PER", "I-PER"], dataset.Examples[1].Tags);
        Assert.Equal(["B-LOC", "B-ORG"], dataset.Examples[2].Tags);
        Assert.Equal(6, dataset.ConvertedTagCount); // U.N., Ekeus, Baghdad, John, Paris, Unesco
        Assert.Equal(["B-LOC", "B-ORG", "B-PER", "I-PER", "O"], dataset.Labels.Labels); // the map is of the converted tags
        Assert.Equal(dataset.Examples[1].Tags, TagSchemes.Iob1ToIob2(["I-PER", "I-PER", "B-PER", "I-PER"]));
        Assert.Equal(["B-PER", "I-PER", "O", "B-LOC"], TagSchemes.Iob1ToIob2(["B-PER", "I-PER", "O", "B-LOC"])); // IOB2 is unchanged
    }

    [Fact]
    public void Iob1_validation_file_converts_into_the_training_label_map()
    {
        using var dir = new TempDir();
        var train = Load(Write(dir, "train.conll", "EU B-ORG\nsays O\n\nPeter B-PER\nBlackburn I-PER\n"));
        var dev = Load(Write(dir, "dev.conll", "Peter I-PER\nBlackburn I-PER\nof O\nEU I-ORG\n"), labels: train.Labels);

        Assert.True(dev.ConvertedFromIob1);
        Assert.Equal(["B-PER", "I-PER", "O", "B-ORG"], dev.Examples[0].Tags);
        Assert.Same(train.Labels, dev.Labels);
    }

    [Fact]
    public void Bioes_and_plain_tags_are_kept_as_they_are()
    {
        using var dir = new TempDir();
        var bioes = Load(Write(dir, "bioes.conll", "Peter S-PER\nvisits O\nNew B-LOC\nYork I-LOC\nCity E-LOC\n"));
        Assert.Equal(TagScheme.Bioes, bioes.TagScheme);
        Assert.False(bioes.ConvertedFromIob1);
        Assert.Equal(["S-PER", "O", "B-LOC", "I-LOC", "E-LOC"], bioes.Examples[0].Tags);
        Assert.Equal(["B-LOC", "E-LOC", "I-LOC", "O", "S-PER"], bioes.Labels.Labels);

        var plain = Load(Write(dir, "plain.txt", "Peter PER\nvisits O\nYork LOC\n"));
        Assert.Equal(TagScheme.Plain, plain.TagScheme);
        Assert.Equal(["PER", "O", "LOC"], plain.Examples[0].Tags);
        Assert.Equal(["LOC", "O", "PER"], plain.Labels.Labels);
    }

    [Fact]
    public void Bioes_beside_an_inside_tag_that_starts_an_entity_is_an_error_naming_both_lines()
    {
        using var dir = new TempDir();
        var path = Write(dir, "mixed.conll", "Peter S-PER\nvisits O\n\nYork I-LOC\n");

        var error = LoadFails(path);

        AssertAt(error, path, null);
        Assert.Contains("E-/S- prefixes (line 1)", error.Message);
        Assert.Contains("starts an entity (line 4)", error.Message);
    }

    [Fact]
    public void Files_without_a_known_extension_read_as_conll_when_the_format_says_so()
    {
        using var dir = new TempDir();
        var path = Write(dir, "eng.corpus", "EU B-ORG\n");

        var error = Assert.Throws<DataFormatException>(() => TokenClassificationData.CheckPath(path));
        Assert.Contains("format: conll", error.Message);
        Assert.Equal(path, error.FilePath);

        Assert.Equal(["EU"], Load(path, DatasetFormat.Conll).Examples[0].Tokens);
        Assert.Equal(DatasetFormat.Conll, TokenClassificationData.DetectFormat("data/eng.testb"));
        Assert.Equal(DatasetFormat.Conll, TokenClassificationData.DetectFormat("ner.TXT"));
        Assert.Equal(DatasetFormat.Jsonl, TokenClassificationData.DetectFormat("ner.jsonl"));
        Assert.Null(TokenClassificationData.DetectFormat("eng"));
        Assert.Null(DatasetFormats.FromExtension("ner.conll")); // text classification's detection is unchanged
    }

    [Fact]
    public void Csv_is_refused_for_token_classification()
    {
        using var dir = new TempDir();
        var path = Write(dir, "ner.csv", "tokens,ner_tags\na,O\n");

        var error = LoadFails(path);

        Assert.Equal(path, error.FilePath);
        Assert.Contains("no list cells", error.Message);
    }

    [Fact]
    public void Text_classification_refuses_a_conll_file_with_a_clear_error()
    {
        using var dir = new TempDir();
        var path = Write(dir, "ner.conll", "EU B-ORG\n");

        var error = Assert.Throws<DataFormatException>(() =>
            TextClassificationData.Load(new TextClassificationDataOptions { Path = path, Format = DatasetFormat.Conll }));

        AssertAt(error, path, null);
        Assert.Contains("only token classification reads them", error.Message);
    }

    // ---- CoNLL errors ----

    [Fact]
    public void Line_with_another_column_count_names_the_file_line_and_both_counts()
    {
        using var dir = new TempDir();
        var path = Write(dir, "bad.conll", "EU NNP B-NP B-ORG\nrejects VBZ B-VP O\n\nPeter NNP B-PER\n\nParis NNP B-NP B-LOC\n");

        var error = LoadFails(path);

        AssertAt(error, path, 4);
        Assert.Contains("the line has 3 columns but the file's first token line (line 1) has 4", error.Message);

        var skipped = Load(path, onBadRow: BadRowPolicy.Skip);
        Assert.Equal([["EU", "rejects"], ["Paris"]], skipped.Examples.Select(e => e.Tokens));
        Assert.Equal(1, skipped.Skipped.Count);
        Assert.Equal(4, skipped.Skipped.Examples[0].Line);
        Assert.Equal("wrong column count", skipped.Skipped.Examples[0].Reason);
    }

    [Fact]
    public void One_column_or_an_out_of_range_label_column_is_an_error_at_the_first_token_line()
    {
        using var dir = new TempDir();
        var untagged = Write(dir, "untagged.conll", "\n\nEU\nrejects\n");
        var error = LoadFails(untagged);
        AssertAt(error, untagged, 3);
        Assert.Contains("expected a token and its tag", error.Message);

        var path = Write(dir, "four.conll", "EU NNP B-NP B-ORG\n");
        var range = Assert.Throws<DataFormatException>(() => Load(path, labelColumn: 4));
        AssertAt(range, path, 1);
        Assert.Contains("conll_label_column is 4, but the token lines have 4 columns", range.Message);
        Assert.Throws<DataFormatException>(() => Load(path, labelColumn: -4)); // column 0, the token
    }

    [Fact]
    public void Unknown_tag_with_the_training_map_names_the_file_the_tokens_line_and_the_known_labels()
    {
        using var dir = new TempDir();
        var labels = new LabelMap(["B-PER", "I-PER", "O"]);
        var path = Write(dir, "dev.conll", "Peter B-PER\n\nin O\nParis B-LOC\n");

        var error = LoadFails(path, labels: labels);

        AssertAt(error, path, 4);
        Assert.Contains("tag 'B-LOC' of token 'Paris' was not seen in training (known labels: 'B-PER', 'I-PER', 'O')", error.Message);
        Assert.Single(Load(path, labels: labels, onBadRow: BadRowPolicy.Skip).Examples);
    }

    [Fact]
    public void Invalid_utf8_and_empty_files_are_errors_naming_the_file()
    {
        using var dir = new TempDir();
        var bad = dir.File("latin1.conll");
        File.WriteAllBytes(bad, [.. "EU B-ORG\n\nK"u8, 0xF6, .. "ln B-LOC\n"u8]);
        var error = LoadFails(bad);
        AssertAt(error, bad, 3);
        Assert.Contains("not valid UTF-8", error.Message);

        var empty = Write(dir, "empty.conll", "\n\n-DOCSTART- -X- -X- O\n\n");
        var none = LoadFails(empty);
        AssertAt(none, empty, null);
        Assert.Contains("it contains no sentences", none.Message);
    }

    // ---- JSON Lines, JSON and Parquet rows with list columns ----

    private static readonly string[][] Tokens = [["EU", "rejects", "German", "call"], ["Peter", "Blackburn"]];
    private static readonly string[][] Tags = [["B-ORG", "O", "B-MISC", "O"], ["B-PER", "I-PER"]];

    private static string JsonRow(string[] tokens, string tags) =>
        $"{{\"id\": \"0\", \"tokens\": [{string.Join(", ", tokens.Select(t => $"\"{t}\""))}], \"ner_tags\": {tags}}}";

    private static string JsonStrings(string[] values) => $"[{string.Join(", ", values.Select(v => $"\"{v}\""))}]";

    [Fact]
    public async Task Jsonl_json_and_parquet_list_columns_read_the_same_sentences()
    {
        using var dir = new TempDir();
        var jsonl = Write(dir, "ner.jsonl", $"{JsonRow(Tokens[0], JsonStrings(Tags[0]))}\n\n{JsonRow(Tokens[1], JsonStrings(Tags[1]))}\n");
        var json = Write(dir, "ner.json", $"[\n  {JsonRow(Tokens[0], JsonStrings(Tags[0]))},\n  {JsonRow(Tokens[1], JsonStrings(Tags[1]))}\n]\n");
        var parquet = dir.File("ner.parquet");
        await WriteParquet(parquet, Tokens, Tags);

        foreach (var (path, lines) in new[] { (jsonl, new[] { 1, 3 }), (json, new[] { 2, 3 }), (parquet, new[] { 1, 2 }) })
        {
            var dataset = Load(path);
            Assert.Equal(Tokens, dataset.Examples.Select(e => e.Tokens));
            Assert.Equal(Tags, dataset.Examples.Select(e => e.Tags));
            Assert.Equal(lines, dataset.Examples.Select(e => e.Line));
            Assert.Equal(["B-MISC", "B-ORG", "B-PER", "I-PER", "O"], dataset.Labels.Labels);
            Assert.Equal(TagScheme.Iob2, dataset.TagScheme);
        }
    }

    [Fact]
    public async Task Integer_tags_take_their_names_and_order_from_label_names()
    {
        using var dir = new TempDir();
        // Hub ids: O=0, B-PER=1, I-PER=2, B-ORG=3, B-MISC=7.
        var jsonl = Write(dir, "ner.jsonl", $"{JsonRow(Tokens[0], "[3, 0, 7, 0]")}\n{JsonRow(Tokens[1], "[1, 2]")}\n");
        var parquet = dir.File("ner.parquet");
        await WriteParquet(parquet, Tokens, null, [[3, 0, 7, 0], [1, 2]]);

        foreach (var path in new[] { jsonl, parquet })
        {
            var dataset = Load(path, names: HubNerNames);
            Assert.Equal(Tags, dataset.Examples.Select(e => e.Tags));
            Assert.Equal(HubNerNames, dataset.Labels.Labels); // the given order, not sorted
            Assert.Equal([3, 0, 7, 0], dataset.TagIds(dataset.Examples[0]));

            var error = LoadFails(path);
            AssertAt(error, path, 1, "ner_tags", path == parquet ? "row" : "line");
            Assert.Contains("the tags are integers (label ids), but no label names were given; set label_names", error.Message);
        }

        var outOfRange = Write(dir, "range.jsonl", $"{JsonRow(["a", "b"], "[0, 9]")}\n");
        var range = LoadFails(outOfRange, names: HubNerNames);
        AssertAt(range, outOfRange, 1, "ner_tags");
        Assert.Contains("tag 2 is the id 9, but label_names has 9 names (ids 0..8)", range.Message);
    }

    [Fact]
    public void String_tags_with_label_names_keep_the_names_order_and_must_be_among_them()
    {
        using var dir = new TempDir();
        var path = Write(dir, "ner.jsonl", $"{JsonRow(Tokens[1], "[\"B-PER\", \"I-PER\"]")}\n{JsonRow(["Paris"], "[\"B-CITY\"]")}\n");

        var error = LoadFails(path, names: HubNerNames);

        AssertAt(error, path, 2, "ner_tags");
        Assert.Contains("tag 'B-CITY' of token 'Paris' is not in label_names", error.Message);
        var dataset = Load(path, names: HubNerNames, onBadRow: BadRowPolicy.Skip);
        Assert.Equal(HubNerNames, dataset.Labels.Labels);
        Assert.Single(dataset.Examples);
    }

    // ---- Row errors ----

    [Fact]
    public void Tokens_and_tags_of_different_lengths_name_the_file_line_and_both_lengths()
    {
        using var dir = new TempDir();
        var path = Write(dir, "ner.jsonl", $"{JsonRow(Tokens[0], JsonStrings(Tags[0]))}\n{JsonRow(["Peter", "Blackburn", "said"], "[\"B-PER\", \"I-PER\"]")}\n");

        var error = LoadFails(path);

        AssertAt(error, path, 2, "ner_tags");
        Assert.Contains("the row has 3 tokens but 2 tags; expected one tag per token", error.Message);

        var skipped = Load(path, onBadRow: BadRowPolicy.Skip);
        Assert.Single(skipped.Examples);
        Assert.Equal("length mismatch", skipped.Skipped.Examples[0].Reason);
    }

    [Fact]
    public void Empty_tokens_missing_lists_and_blank_tokens_are_errors_at_their_line()
    {
        using var dir = new TempDir();
        var cases = new (string Row, string Column, string Message)[]
        {
            ("{\"tokens\": [], \"ner_tags\": []}", "tokens", "the list of tokens is empty; expected at least one token"),
            ("{\"ner_tags\": [\"O\"]}", "tokens", "the tokens are missing; expected a list of strings"),
            ("{\"tokens\": [\"a\"]}", "ner_tags", "the tags are missing"),
            ("{\"tokens\": [\"a\", \" \"], \"ner_tags\": [\"O\", \"O\"]}", "tokens", "token 2 is whitespace only; expected non-blank tokens"),
            ("{\"tokens\": [\"a\"], \"ner_tags\": [\"\"]}", "ner_tags", "tag 1 is empty"),
            ("{\"tokens\": [1, 2], \"ner_tags\": [0, 0]}", "tokens", "expected a list of strings (the tokens), found a list of 2 integers"),
        };
        foreach (var (row, column, message) in cases)
        {
            var path = Write(dir, "row.jsonl", $"{JsonRow(["ok"], "[\"O\"]")}\n{row}\n");
            var error = LoadFails(path);
            AssertAt(error, path, 2, column);
            Assert.Contains(message, error.Message);
        }
    }

    [Fact]
    public void A_value_that_is_not_a_list_says_what_was_expected_and_found()
    {
        using var dir = new TempDir();
        var cases = new (string Tags, string Message)[]
        {
            ("3", "expected a list of strings or integers, found a number."),
            ("\"B-PER\"", "expected a list of strings or integers, found a string."),
            ("[\"B-PER\", 2]", "item 2 of the list is a number but item 1 is a string"),
            ("[1, 2.5]", "item 2 of the list is the number 2.5, which is not an integer"),
            ("[1.0]", "item 1 of the list is the number 1.0, which is not an integer"),
            ("[1e2]", "item 1 of the list is the number 1e2, which is not an integer"),
            ("[99999999999999999999]", "item 1 of the list is the number 99999999999999999999, which is not an integer"),
            ("[true]", "expected a list of strings or integers, found a list whose item 1 is a boolean."),
            ("[[\"O\"]]", "found a list whose item 1 is an array."),
        };
        foreach (var (tags, message) in cases)
        {
            var path = Write(dir, "ner.jsonl", $"{JsonRow(["a"], "[\"O\"]")}\n\n{JsonRow(["b"], tags)}\n");
            var error = LoadFails(path);
            AssertAt(error, path, 3, "ner_tags");
            Assert.Contains(message, error.Message);
        }
    }

    [Fact]
    public async Task Parquet_errors_name_the_row_and_column()
    {
        using var dir = new TempDir();
        var nullItem = dir.File("null.parquet");
        await WriteParquet(nullItem, [["a"], ["b", "c"]], [["O"], ["O", null]]);
        var error = LoadFails(nullItem);
        AssertAt(error, nullItem, 2, "ner_tags", "row");
        Assert.Contains("item 2 of the list is null", error.Message);

        var flat = dir.File("flat.parquet");
        var schema = new ParquetSchema(new ListField("tokens", new DataField<string>("element")), new DataField<int>("ner_tags"));
        await using (var file = File.Create(flat))
        await using (var writer = await ParquetWriter.CreateAsync(schema, file))
        using (var group = writer.CreateRowGroup())
        {
            await group.WriteAsync(schema.DataFields[0], ["a"], new ReadOnlyMemory<int>([0]));
            await group.WriteAsync<int>(schema.DataFields[1], new[] { 0 });
        }
        var notList = LoadFails(flat);
        AssertAt(notList, flat, null, "ner_tags");
        Assert.Contains("expected a list of strings or integers, found a flat column of integers", notList.Message);
    }

    /// <summary>
    /// A Parquet file as Hugging Face datasets writes one: list columns (three-level LIST groups) of string tokens and of
    /// string or integer tags, split over two row groups so row numbers are checked to run on across them.
    /// </summary>
    private static async Task WriteParquet(string path, string[][] tokens, string?[][]? tags, int[][]? tagIds = null)
    {
        var tokenItem = new DataField<string>("element");
        // Nullable items, as pyarrow writes them (Parquet.Net cannot write required items in a list).
        var tagItem = tags is not null ? new DataField<string>("element") : (DataField)new DataField<int?>("element");
        var schema = new ParquetSchema(new DataField<string>("id"), new ListField("tokens", tokenItem), new ListField("ner_tags", tagItem));
        await using var file = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(schema, file);
        for (var row = 0; row < tokens.Length; row++)
        {
            using var group = writer.CreateRowGroup();
            await group.WriteAsync(schema.DataFields[0], [row.ToString()]);
            await group.WriteAsync(tokenItem, tokens[row], new ReadOnlyMemory<int>(Repetitions(tokens[row].Length)));
            if (tags is not null)
                await group.WriteAsync(tagItem, tags[row], new ReadOnlyMemory<int>(Repetitions(tags[row].Length)));
            else
                await group.WriteAsync<int>(tagItem, tagIds![row].Select(id => (int?)id).ToArray(), new ReadOnlyMemory<int>(Repetitions(tagIds[row].Length)));
        }
    }

    /// <summary>Repetition levels of one list: 0 starts the row, 1 continues it.</summary>
    private static int[] Repetitions(int count) => [.. Enumerable.Range(0, count).Select(i => i == 0 ? 0 : 1)];
}
