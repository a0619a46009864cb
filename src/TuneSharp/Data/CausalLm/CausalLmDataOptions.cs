namespace TuneSharp.Data;

/// <summary>Which file <see cref="CausalLmData.Load"/> reads and how.</summary>
public sealed record CausalLmDataOptions
{
    /// <summary>The data file: .txt (plain text), .jsonl or .json rows; .csv, .tsv and .parquet for text and Alpaca rows.</summary>
    public required string Path { get; init; }

    /// <summary>What the rows hold; null detects it: a .txt file is plain text, otherwise the first row's columns
    /// decide (the messages column → chat, instruction and output → Alpaca, the text column → text).</summary>
    public CausalLmDataFormat? Format { get; init; }

    /// <summary>The container format of a row file (csv, tsv, jsonl, json, parquet); null detects it from the extension.
    /// Ignored for plain text.</summary>
    public DatasetFormat? FileFormat { get; init; }

    /// <summary>The column with the document text (transformers' <c>text_column_name</c>). Defaults to "text".</summary>
    public string TextColumn { get; init; } = "text";

    /// <summary>The column with a chat's list of messages. Defaults to "messages" (TRL's conversational format).</summary>
    public string MessagesColumn { get; init; } = "messages";

    /// <summary>Whether a bad row (empty text, a message without content, an unknown role ...) is an error or skipped.</summary>
    public BadRowPolicy OnBadRow { get; init; } = BadRowPolicy.Error;

    /// <summary>Keep only the first this many usable rows (transformers' <c>max_train_samples</c>); null keeps all.</summary>
    public int? MaxSamples { get; init; }
}
