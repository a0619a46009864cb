using TuneSharp.Data;

namespace TuneSharp.Tests.Data;

/// <summary>
/// Question answering data: the real SQuAD v1.1 dev file against its README's counts, SQuAD v2.0 and flat JSON Lines /
/// JSON rows in small files, code point offsets, and each error, whose message must say where and what was expected.
/// </summary>
public sealed class QuestionAnsweringDataTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private static QuestionAnsweringDataset Load(string path, BadRowPolicy onBadRow = BadRowPolicy.Error) =>
        QuestionAnsweringData.Load(new QuestionAnsweringDataOptions { Path = path, OnBadRow = onBadRow });

    private string Write(string name, string content)
    {
        var path = _tmp.File(name);
        File.WriteAllText(path, content);
        return path;
    }

    [Fact]
    public void Squad_v1_1_dev_has_the_counts_of_its_readme_and_every_answer_at_its_start()
    {
        var dataset = Load(SharedData.RequireData("squad/dev-v1.1.json"));
        Assert.Equal(10570, dataset.Count);
        Assert.Equal(34726, dataset.Examples.Sum(e => e.Answers.Count));
        Assert.False(dataset.HasUnanswerable);
        Assert.All(dataset.Examples, e => Assert.All(e.Answers, a => Assert.Equal(a.Text, e.Context.Substring(a.Start, a.Text.Length))));
        var first = dataset.Examples[0];
        Assert.Equal("56be4db0acb8001400a502ec", first.Id);
        Assert.Equal("Which NFL team represented the AFC at Super Bowl 50?", first.Question);
        Assert.Equal("Denver Broncos", first.Answers[0].Text);
        Assert.Equal(177, first.Answers[0].Start);
        Assert.Equal(2067, dataset.Examples.Select(e => e.Context).Distinct().Count());
    }

    [Fact]
    public void Squad_v2_impossible_questions_have_no_answers()
    {
        var path = Write("v2.json", """
            {"version": "v2.0", "data": [{"title": "T", "paragraphs": [{"context": "Paris is in France.", "qas": [
              {"id": "a", "question": "Where is Paris?", "answers": [{"text": "France", "answer_start": 12}], "is_impossible": false},
              {"id": "b", "question": "Where is Rome?", "answers": [], "plausible_answers": [{"text": "France", "answer_start": 12}], "is_impossible": true}
            ]}]}]}
            """);
        var dataset = Load(path);
        Assert.Equal(2, dataset.Count);
        Assert.True(dataset.Examples[0].IsAnswerable);
        Assert.False(dataset.Examples[1].IsAnswerable);
        Assert.True(dataset.HasUnanswerable);
    }

    [Fact]
    public void Flat_rows_read_both_answer_layouts_and_missing_answers()
    {
        var path = Write("rows.jsonl", string.Join('\n',
            """{"id": "1", "question": "Where?", "context": "In Paris.", "answers": {"text": ["Paris"], "answer_start": [3]}}""",
            """{"id": "2", "question": "Who?", "context": "Ada wrote it.", "answers": [{"text": "Ada", "answer_start": 0}, {"text": "Ada", "answer_start": 0}]}""",
            """{"id": "3", "question": "Why?", "context": "No reason.", "answers": {"text": [], "answer_start": []}}""",
            """{"id": "4", "question": "When?", "context": "Never."}"""));
        var dataset = Load(path);
        Assert.Equal(["1", "2", "3", "4"], dataset.Examples.Select(e => e.Id));
        Assert.Equal(new AnswerSpan("Paris", 3), dataset.Examples[0].Answers.Single());
        Assert.Equal(2, dataset.Examples[1].Answers.Count);
        Assert.Empty(dataset.Examples[2].Answers);
        Assert.Empty(dataset.Examples[3].Answers);
        Assert.Equal(4, dataset.Examples[3].Line);
    }

    [Fact]
    public void A_json_array_of_rows_without_ids_is_numbered_by_position()
    {
        var path = Write("rows.json", """[{"question": "Where?", "context": "In Paris.", "answers": {"text": ["Paris"], "answer_start": [3]}}]""");
        var example = Load(path).Examples.Single();
        Assert.Equal("Paris", example.Answers[0].Text);
        Assert.Equal(example.Line.ToString(System.Globalization.CultureInfo.InvariantCulture), example.Id);
    }

    [Fact]
    public void Answer_start_counts_code_points_and_becomes_a_string_index()
    {
        // "😀" is one code point but two UTF-16 units: after it, code point 5 is .NET index 6.
        var path = Write("emoji.jsonl", """{"id": "1", "question": "What?", "context": "Hi 😀 Paris", "answers": {"text": ["😀 Paris"], "answer_start": [3]}}""" + "\n" +
                                        """{"id": "2", "question": "What?", "context": "Hi 😀 Paris", "answers": {"text": ["Paris"], "answer_start": [5]}}""");
        var dataset = Load(path);
        Assert.Equal(3, dataset.Examples[0].Answers[0].Start);
        Assert.Equal(6, dataset.Examples[1].Answers[0].Start);
        Assert.Equal("Paris", dataset.Examples[1].Context.Substring(6, 5));
    }

    [Fact]
    public void An_answer_start_that_misses_its_text_says_where_the_text_is()
    {
        var path = Write("bad.jsonl", """{"id": "q1", "question": "Where?", "context": "He lives in Paris now.", "answers": {"text": ["Paris"], "answer_start": [10]}}""");
        var error = Assert.Throws<DataFormatException>(() => Load(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("line 1", error.Message);
        Assert.Contains("column 'answers'", error.Message);
        Assert.Contains("'Paris' is not at answer_start 10", error.Message);
        Assert.Contains("there it reads 'n Par'", error.Message);
        Assert.Contains("occurs at answer_start 12", error.Message);
    }

    [Fact]
    public void A_squad_file_error_names_the_question_number_and_its_place()
    {
        var path = Write("bad.json", """
            {"data": [{"paragraphs": [{"context": "Paris is in France.", "qas": [
              {"id": "a", "question": "Where is Paris?", "answers": [{"text": "France", "answer_start": 12}]},
              {"id": "b", "question": "Where?", "answers": [{"text": "Spain", "answer_start": 12}]}
            ]}]}]}
            """);
        var error = Assert.Throws<DataFormatException>(() => Load(path));
        Assert.Contains("question 2", error.Message);
        Assert.Contains("data[0].paragraphs[0].qas[1] (id 'b')", error.Message);
        Assert.Contains("does not occur in the context at all", error.Message);
    }

    [Fact]
    public void A_question_without_context_is_refused_or_skipped()
    {
        var path = Write("nocontext.jsonl", string.Join('\n',
            """{"id": "1", "question": "Where?", "context": "", "answers": []}""",
            """{"id": "2", "question": "Who?", "context": "Ada.", "answers": []}"""));
        var error = Assert.Throws<DataFormatException>(() => Load(path));
        Assert.Contains("line 1", error.Message);
        Assert.Contains("column 'context'", error.Message);
        Assert.Contains("has an empty context", error.Message);
        var skipped = Load(path, BadRowPolicy.Skip);
        Assert.Equal("2", skipped.Examples.Single().Id);
        Assert.Equal(1, skipped.Skipped.Count);
    }

    [Theory]
    [InlineData("""{"id": "1", "question": " ", "context": "Ada.", "answers": []}""", "the question is whitespace only")]
    [InlineData("""{"id": "1", "question": "Q?", "context": "Ada.", "answers": "Ada"}""", "the answers are a string")]
    [InlineData("""{"id": "1", "question": "Q?", "context": "Ada.", "answers": {"text": ["Ada"]}}""", "needs the lists \"text\" and \"answer_start\"")]
    [InlineData("""{"id": "1", "question": "Q?", "context": "Ada.", "answers": {"text": ["Ada"], "answer_start": [0, 1]}}""", "1 texts but 2 answer_start values")]
    [InlineData("""{"id": "1", "question": "Q?", "context": "Ada.", "answers": {"text": ["Ada"], "answer_start": [-1]}}""", "answer_start of answer 1 is -1")]
    [InlineData("""{"id": "1", "question": "Q?", "context": "Ada.", "answers": {"text": [""], "answer_start": [0]}}""", "has an empty text")]
    [InlineData("""{"id": "1", "question": "Q?", "context": "Ada.", "answers": {"text": ["Ada."], "answer_start": [1]}}""", "is not at answer_start 1")]
    [InlineData("""{"id": "1", "question": "Q?", "context": "Ada.", "answers": {"text": ["Ada"], "answer_start": [99]}}""", "it has only 4 characters")]
    public void Malformed_rows_get_a_message_saying_what_was_expected(string row, string expected)
    {
        var error = Assert.Throws<DataFormatException>(() => Load(Write("row.jsonl", row)));
        Assert.Contains("line 1", error.Message);
        Assert.Contains(expected, error.Message);
    }

    // The layout Hugging Face datasets writes SQuAD in: answers is a struct of two lists. Property names are the columns'.
#pragma warning disable IDE1006 // lower-case names: they are the Parquet column names
    private sealed class ParquetAnswers
    {
        public List<string>? text { get; set; }
        public List<int>? answer_start { get; set; }
    }

    private sealed class ParquetRow
    {
        public string? id { get; set; }
        public string? question { get; set; }
        public string? context { get; set; }
        public ParquetAnswers? answers { get; set; }
    }

    private sealed class ParquetFlatRow
    {
        public string? question { get; set; }
        public string? context { get; set; }
        public string? answers { get; set; }
    }
#pragma warning restore IDE1006

    private async Task<string> WriteParquet<T>(string name, IEnumerable<T> rows, int rowGroupSize = 2)
    {
        var path = _tmp.File(name);
        await using var stream = File.Create(path);
        await Parquet.Serialization.ParquetSerializer.SerializeAsync(rows, stream, new Parquet.ParquetOptions { RowGroupSize = rowGroupSize });
        return path;
    }

    [Fact]
    public async Task Parquet_rows_read_answers_from_a_struct_of_lists()
    {
        var path = await WriteParquet<ParquetRow>("squad.parquet", [
            new() { id = "a", question = "Who?", context = "Ann met Bob.", answers = new() { text = ["Ann", "Ann met"], answer_start = [0, 0] } },
            new() { id = "b", question = "Whom?", context = "Ann met Bob.", answers = new() { text = ["Bob"], answer_start = [8] } },
            new() { id = "c", question = "Where?", context = "Ann met Bob.", answers = new() { text = [], answer_start = [] } },
            new() { id = "d", question = "Why?", context = "Ann met Bob.", answers = null },
        ]);
        await using (var file = File.OpenRead(path))
        await using (var reader = await Parquet.ParquetReader.CreateAsync(file))
            Assert.Equal(2, reader.RowGroupCount);
        var dataset = Load(path);
        Assert.Equal(["a", "b", "c", "d"], dataset.Examples.Select(e => e.Id));
        Assert.Equal(["Ann", "Ann met"], dataset.Examples[0].Answers.Select(a => a.Text));
        Assert.Equal(8, dataset.Examples[1].Answers.Single().Start);
        Assert.Empty(dataset.Examples[2].Answers); // no answer (SQuAD v2.0)
        Assert.Empty(dataset.Examples[3].Answers); // a null struct: no answers given
        Assert.Equal(4, dataset.Examples[3].Line); // rows numbered across row groups

        var wrong = await WriteParquet<ParquetRow>("wrong.parquet", [new() { id = "a", question = "Who?", context = "Ann met Bob.", answers = new() { text = ["Bob"], answer_start = [0] } }]);
        var error = Assert.Throws<DataFormatException>(() => Load(wrong));
        Assert.Contains("row 1", error.Message);
        Assert.Contains("answer_start", error.Message);

        var flat = await WriteParquet("flat.parquet", [new ParquetFlatRow { question = "Who?", context = "Ann met Bob.", answers = "Ann" }]);
        error = Assert.Throws<DataFormatException>(() => Load(flat));
        Assert.Contains("answers", error.Message);
        Assert.Contains("a struct whose fields are lists of strings or integers", error.Message);
    }

    [Fact]
    public void Duplicate_ids_and_other_formats_are_refused()
    {
        var duplicate = Write("dup.jsonl", """{"id": "1", "question": "Q?", "context": "A."}""" + "\n" + """{"id": "1", "question": "R?", "context": "B."}""");
        Assert.Contains("was already used at line 1", Assert.Throws<DataFormatException>(() => Load(duplicate)).Message);
        var csv = Write("rows.csv", "question,context\nQ?,A.\n");
        Assert.Contains("cannot hold the nested answers", Assert.Throws<DataFormatException>(() => Load(csv)).Message);
        var broken = Write("broken.json", """{"data": [}""");
        Assert.Contains("not valid JSON", Assert.Throws<DataFormatException>(() => Load(broken)).Message);
    }
}
