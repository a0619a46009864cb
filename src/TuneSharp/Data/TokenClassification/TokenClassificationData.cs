namespace TuneSharp.Data;

/// <summary>
/// Loads token classification (named-entity recognition) datasets: sentences of tokens with one tag each, from CoNLL
/// files or from JSON Lines, JSON and Parquet rows with a list of tokens and a list of tags.
/// </summary>
public static class TokenClassificationData
{
    /// <summary>The file kinds token classification reads, for messages.</summary>
    private const string ExpectedFile = "a token classification data file (CoNLL .conll/.txt/.train/.testa/.testb, .jsonl, .json or .parquet)";

    /// <summary>
    /// Reads the file as <paramref name="options"/> say.
    /// <list type="bullet">
    /// <item>CoNLL: see <see cref="DatasetFormat.Conll"/>; a sentence's line is its first token's line.</item>
    /// <item>JSON Lines, JSON, Parquet: each row's tokens column is a non-empty list of non-blank strings, and its tags
    /// column a list of as many tags: strings, or integer ids into <see cref="TokenClassificationDataOptions.LabelNames"/>.</item>
    /// <item>Tags: the file's <see cref="TagScheme"/> is detected as a whole (<see cref="TagSchemes.Detect"/>). IOB1 is
    /// converted to IOB2 (<see cref="TokenClassificationDataset.ConvertedFromIob1"/> says so); IOB2, BIOES and plain tags
    /// are kept as they are. Then every tag must be in the fixed label map or label names, when one is given.</item>
    /// </list>
    /// Bad sentences or rows throw <see cref="DataFormatException"/> naming the file, line (Parquet: row) and column, or
    /// are skipped, as <see cref="TokenClassificationDataOptions.OnBadRow"/> says. A file with no usable sentence, and
    /// integer tags without label names, are always errors.
    /// </summary>
    public static TokenClassificationDataset Load(TokenClassificationDataOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var names = LabelNamesMap(options.LabelNames);
        var format = CheckPath(options.Path, options.Format);
        var (sentences, sink) = format == DatasetFormat.Conll ? ReadConll(options) : ReadRows(options, format, names);
        if (sentences.Count == 0 && format == DatasetFormat.Conll && sink.Skipped.Count == 0)
            throw sink.Fatal(null, null, "it contains no sentences; expected lines of a token and its tag, with a blank line after each sentence.");
        if (sentences.Count == 0) throw TabularReader.NoRows(sink);

        var column = format == DatasetFormat.Conll ? null : options.TagsColumn;
        var analysis = TagSchemes.Analyze(sentences.Select(s => s.Tags));
        if (analysis.Conflict(p => $"line {sentences[p.Sentence].TokenLine(p.Token)}") is { } conflict)
            throw sink.Fatal(null, column, conflict);
        var original = sentences;
        var converted = 0;
        if (analysis.Scheme == TagScheme.Iob1)
        {
            sentences = sentences.Select(s =>
            {
                var tags = TagSchemes.ConvertIob1(s.Tags, out var changed);
                converted += changed;
                return s with { Tags = tags };
            }).ToList();
        }

        var known = options.LabelMap ?? names;
        var examples = new List<TokenClassificationExample>(sentences.Count);
        for (var i = 0; i < sentences.Count; i++)
        {
            var sentence = sentences[i];
            if (known is not null && UnknownTag(sentence, original[i], known, options.LabelMap is not null) is { } unknown)
            {
                sink.Report(sentence.TokenLine(unknown.Token), column, "unknown label", unknown.Message);
                continue;
            }
            examples.Add(new TokenClassificationExample(sentence.Tokens, sentence.Tags, sentence.Line));
        }
        if (examples.Count == 0) throw TabularReader.NoRows(sink);

        var labels = known ?? new LabelMap(examples.SelectMany(e => e.Tags).Distinct(StringComparer.Ordinal).Order(CodePointOrder.Instance));
        return new TokenClassificationDataset(examples, labels, options.Path, sink.Skipped, analysis.Scheme == TagScheme.Iob1, converted);
    }

    /// <summary>
    /// Checks, without reading it, that <paramref name="path"/> names an existing file whose token classification format
    /// is known (<paramref name="format"/>, or <see cref="DetectFormat"/>): the check a command makes before loading a model.
    /// </summary>
    /// <returns>The file's format.</returns>
    /// <exception cref="DataFormatException">The path is empty, missing or a folder, or the format is unknown or holds no token lists (CSV, TSV).</exception>
    public static DatasetFormat CheckPath(string path, DatasetFormat? format = null)
    {
        TabularReader.CheckFileExists(path, ExpectedFile);
        var resolved = format ?? DetectFormat(path) ?? throw new DataFormatException(
            $"Cannot tell the format of dataset file '{path}' from its name: expected CoNLL (.conll, .txt, or CoNLL-2003's .train, .testa, .testb), " +
            ".jsonl, .json or .parquet, or set the file format explicitly (format: conll, jsonl, json or parquet).", path, null, null);
        if (resolved is DatasetFormat.Csv or DatasetFormat.Tsv)
            throw new DataFormatException($"Dataset file '{path}' is read as {resolved.ToString().ToUpperInvariant()}, which has no list cells for the tokens " +
                "and tags of token classification; expected CoNLL, JSON Lines, JSON or Parquet (format: conll, jsonl, json or parquet).", path, null, null);
        return resolved;
    }

    /// <summary>
    /// The format a token classification file's name implies: .jsonl/.ndjson, .json and .parquet as for every dataset;
    /// CoNLL for .conll and .txt, and for .train, .testa and .testb (the names of the CoNLL-2002/2003 releases, such as
    /// eng.train). The content is not sniffed: any other name (.csv and .tsv included) gives its tabular format or null.
    /// </summary>
    public static DatasetFormat? DetectFormat(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var extension = System.IO.Path.GetExtension(path);
        return ConllExtensions.Contains(extension) ? DatasetFormat.Conll : DatasetFormats.FromExtension(path);
    }

    private static readonly HashSet<string> ConllExtensions = new(StringComparer.OrdinalIgnoreCase) { ".conll", ".txt", ".train", ".testa", ".testb" };

    private static (List<TaggedSentence>, BadRowSink) ReadConll(TokenClassificationDataOptions options)
    {
        var sink = new BadRowSink(options.Path, DatasetFormat.Conll, options.OnBadRow, new SkippedRows("line"));
        return (ConllReader.Read(options.Path, options.ConllLabelColumn, sink), sink);
    }

    /// <summary>JSON Lines, JSON and Parquet rows with a tokens list and a tags list.</summary>
    private static (List<TaggedSentence>, BadRowSink) ReadRows(TokenClassificationDataOptions options, DatasetFormat format, LabelMap? names)
    {
        RequireName(options.TokensColumn, "tokens_column");
        RequireName(options.TagsColumn, "tags_column");
        if (options.TokensColumn == options.TagsColumn)
            throw new TuneSharpException($"tokens_column and tags_column must be different columns; both are '{options.TokensColumn}'.") { Setting = "tags_column" };
        string[] columns = [options.TokensColumn, options.TagsColumn];
        using var stream = TabularReader.Open(options.Path, new DatasetReadOptions
        {
            Format = format,
            Columns = columns,
            ListColumns = columns,
            OnBadRow = options.OnBadRow,
        });
        var sink = stream.BadRows;
        var sentences = new List<TaggedSentence>();
        foreach (var row in stream.Rows)
        {
            var tokens = Tokens(row, options.TokensColumn, sink);
            if (tokens is null) continue;
            var tags = Tags(row, options.TagsColumn, tokens.Length, names, sink);
            if (tags is null) continue;
            sentences.Add(new TaggedSentence(tokens, tags, row.Line, OneTokenPerLine: false));
        }
        return (sentences, sink);
    }

    private static string[]? Tokens(TabularRow row, string column, BadRowSink sink)
    {
        var list = row.GetList(column);
        if (list is null)
        {
            sink.Report(row.Line, column, "missing tokens", "the tokens are missing; expected a list of strings.");
            return null;
        }
        if (list.Count == 0)
        {
            sink.Report(row.Line, column, "empty tokens", "the list of tokens is empty; expected at least one token.");
            return null;
        }
        if (list.Strings is null)
        {
            sink.Report(row.Line, column, "unsupported value", $"expected a list of strings (the tokens), found {list.Describe()}.");
            return null;
        }
        for (var i = 0; i < list.Count; i++)
        {
            if (!string.IsNullOrWhiteSpace(list.Strings[i])) continue;
            sink.Report(row.Line, column, "empty token", $"token {i + 1} is {(list.Strings[i].Length == 0 ? "empty" : "whitespace only")}; expected non-blank tokens.");
            return null;
        }
        return [.. list.Strings];
    }

    private static string[]? Tags(TabularRow row, string column, int tokenCount, LabelMap? names, BadRowSink sink)
    {
        var list = row.GetList(column);
        if (list is null)
        {
            sink.Report(row.Line, column, "missing tags", "the tags are missing; expected a list of tags, one per token.");
            return null;
        }
        if (list.Count != tokenCount)
        {
            sink.Report(row.Line, column, "length mismatch",
                $"the row has {tokenCount} token{(tokenCount == 1 ? "" : "s")} but {list.Count} tag{(list.Count == 1 ? "" : "s")}; expected one tag per token.");
            return null;
        }
        if (list.Strings is { } strings)
        {
            var tags = new string[strings.Count];
            for (var i = 0; i < tags.Length; i++)
            {
                tags[i] = strings[i].Trim();
                if (tags[i].Length > 0) continue;
                sink.Report(row.Line, column, "empty label", $"tag {i + 1} is {(strings[i].Length == 0 ? "empty" : "whitespace only")}; expected a tag such as 'O' or 'B-PER'.");
                return null;
            }
            return tags;
        }
        var ids = list.Integers!;
        if (names is null)
            throw sink.Fatal(row.Line, column, "the tags are integers (label ids), but no label names were given; set label_names to the tag names " +
                "in id order (for CoNLL-2003 as on the Hugging Face Hub: O, B-PER, I-PER, B-ORG, I-ORG, B-LOC, I-LOC, B-MISC, I-MISC).");
        var named = new string[ids.Count];
        for (var i = 0; i < named.Length; i++)
        {
            if (ids[i] >= 0 && ids[i] < names.Count)
            {
                named[i] = names.Label((int)ids[i]);
                continue;
            }
            sink.Report(row.Line, column, "unknown label", $"tag {i + 1} is the id {ids[i]}, but label_names has {names.Count} names (ids 0..{names.Count - 1}).");
            return null;
        }
        return named;
    }

    /// <summary>The first tag of <paramref name="sentence"/> not in <paramref name="known"/>, with the message for it.</summary>
    private static (int Token, string Message)? UnknownTag(TaggedSentence sentence, TaggedSentence beforeConversion, LabelMap known, bool fromTraining)
    {
        for (var i = 0; i < sentence.Tags.Length; i++)
        {
            var tag = sentence.Tags[i];
            if (known.TryGetId(tag, out _)) continue;
            var origin = beforeConversion.Tags[i] == tag ? "" : $" (converted from IOB1 '{TextExcerpt.Of(beforeConversion.Tags[i])}')";
            var where = fromTraining ? "was not seen in training (known labels" : "is not in label_names (names";
            return (i, $"tag '{TextExcerpt.Of(tag)}'{origin} of token '{TextExcerpt.Of(sentence.Tokens[i], 60)}' {where}: {known.Describe()}).");
        }
        return null;
    }

    /// <summary>The label names as a map (ids in their order), or null when none are given.</summary>
    private static LabelMap? LabelNamesMap(IReadOnlyList<string>? names)
    {
        if (names is null) return null;
        try
        {
            return new LabelMap(names);
        }
        catch (ArgumentException e)
        {
            throw new TuneSharpException($"label_names must be distinct, non-empty tag names in id order: {e.Message.Split(" (Parameter")[0]}") { Setting = "label_names" };
        }
    }

    private static void RequireName(string? column, string option)
    {
        if (string.IsNullOrWhiteSpace(column)) throw new TuneSharpException($"{option} must name a column; it is empty.") { Setting = option };
    }
}
