using TuneSharp.Tokenization.ChatTemplates;

namespace TuneSharp.Data;

/// <summary>Where a row of a causal-LM dataset came from, for messages about it.</summary>
/// <param name="Line">1-based line of the file where the row starts.</param>
/// <param name="Row">1-based number of the row among the file's rows (blank lines of a text file are not rows).</param>
public readonly record struct CausalLmRowLocation(int Line, int Row)
{
    /// <summary>"line 12" where a line names the row; "row 7 (line 1)" for a JSON array, whose rows may share a line.</summary>
    public string Describe(DatasetFormat? fileFormat) =>
        fileFormat is DatasetFormat.Json or DatasetFormat.Parquet ? $"row {Row} (line {Line})" : $"line {Line}";
}

/// <summary>
/// A causal-LM dataset as read by <see cref="CausalLmData.Load"/>: either documents (plain text, for continued
/// pre-training) or conversations (chat and Alpaca rows, for supervised fine-tuning), with where each came from.
/// </summary>
public sealed class CausalLmDataset
{
    private CausalLmDataset(CausalLmDataFormat format, DatasetFormat? fileFormat, IReadOnlyList<string>? documents,
        IReadOnlyList<IReadOnlyList<ChatMessage>>? conversations, IReadOnlyList<CausalLmRowLocation> locations, string? sourcePath, SkippedRows? skipped)
    {
        Format = format;
        FileFormat = fileFormat;
        Documents = documents;
        Conversations = conversations;
        Locations = locations;
        SourcePath = sourcePath;
        Skipped = skipped ?? new SkippedRows();
    }

    /// <summary>A dataset of documents; <paramref name="locations"/> (one per document) default to lines 1, 2, 3...</summary>
    public static CausalLmDataset FromDocuments(IReadOnlyList<string> documents, IReadOnlyList<CausalLmRowLocation>? locations = null,
        string? sourcePath = null, SkippedRows? skipped = null, CausalLmDataFormat format = CausalLmDataFormat.PlainText, DatasetFormat? fileFormat = null)
    {
        ArgumentNullException.ThrowIfNull(documents);
        if (format is not (CausalLmDataFormat.PlainText or CausalLmDataFormat.Text))
            throw new ArgumentException($"Documents come from plain text or text rows, not {format}.", nameof(format));
        return new(format, fileFormat, documents, null, CheckLocations(locations, documents.Count), sourcePath, skipped);
    }

    /// <summary>A dataset of conversations; <paramref name="locations"/> (one per conversation) default to lines 1, 2, 3...</summary>
    public static CausalLmDataset FromConversations(IReadOnlyList<IReadOnlyList<ChatMessage>> conversations, IReadOnlyList<CausalLmRowLocation>? locations = null,
        string? sourcePath = null, SkippedRows? skipped = null, CausalLmDataFormat format = CausalLmDataFormat.Chat, DatasetFormat? fileFormat = null)
    {
        ArgumentNullException.ThrowIfNull(conversations);
        if (format is not (CausalLmDataFormat.Chat or CausalLmDataFormat.Alpaca))
            throw new ArgumentException($"Conversations come from chat or Alpaca rows, not {format}.", nameof(format));
        return new(format, fileFormat, null, conversations, CheckLocations(locations, conversations.Count), sourcePath, skipped);
    }

    private static IReadOnlyList<CausalLmRowLocation> CheckLocations(IReadOnlyList<CausalLmRowLocation>? locations, int count)
    {
        if (locations is null) return Enumerable.Range(1, count).Select(i => new CausalLmRowLocation(i, i)).ToArray();
        return locations.Count == count ? locations
            : throw new ArgumentException($"There are {locations.Count} locations for {count} rows.", nameof(locations));
    }

    /// <summary>What the rows held.</summary>
    public CausalLmDataFormat Format { get; }

    /// <summary>The container format of the file (null for plain text).</summary>
    public DatasetFormat? FileFormat { get; }

    /// <summary>Whether this holds conversations (else documents).</summary>
    public bool IsConversational => Conversations is not null;

    /// <summary>The documents, in file order; null for conversations.</summary>
    public IReadOnlyList<string>? Documents { get; }

    /// <summary>The conversations, in file order; null for documents.</summary>
    public IReadOnlyList<IReadOnlyList<ChatMessage>>? Conversations { get; }

    /// <summary>Where each document or conversation came from.</summary>
    public IReadOnlyList<CausalLmRowLocation> Locations { get; }

    /// <summary>The file the rows came from, when they came from one.</summary>
    public string? SourcePath { get; }

    /// <summary>Rows that were skipped as bad.</summary>
    public SkippedRows Skipped { get; }

    /// <summary>The number of documents or conversations.</summary>
    public int Count => Documents?.Count ?? Conversations!.Count;

    /// <summary>"'data.jsonl', line 12" (or "row 7 (line 1)" for a JSON array): the row of item <paramref name="index"/>, for messages.</summary>
    public string DescribeRow(int index)
    {
        var where = Locations[index].Describe(FileFormat);
        return SourcePath is null ? where : $"'{SourcePath}', {where}";
    }
}
