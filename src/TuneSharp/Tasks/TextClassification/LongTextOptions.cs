using System.Globalization;

namespace TuneSharp.Tasks.TextClassification;

/// <summary>What a classifier does with a text longer than max_length.</summary>
public enum LongTextStrategy
{
    /// <summary>Keep the first max_length tokens (transformers' truncation; the default).</summary>
    Truncate,

    /// <summary>
    /// Cut the text into windows of max_length tokens overlapping by doc_stride; training uses every window with the
    /// text's label, and the text's prediction combines its windows' logits (<see cref="WindowAggregation"/>).
    /// </summary>
    Windows,
}

/// <summary>How the logits of a text's windows become the text's logits.</summary>
public enum WindowAggregation
{
    /// <summary>The mean of the windows' logits, output by output.</summary>
    Mean,

    /// <summary>The largest logit of any window, output by output (a class is as likely as its strongest evidence).</summary>
    Max,
}

/// <summary>
/// How text classification treats texts longer than max_length: truncation (the default) or overlapping windows whose
/// logits are combined per text. With a text pair, the first text is windowed and the pair repeated in every window.
/// </summary>
public sealed record LongTextOptions
{
    /// <summary>Truncate (default) or windows.</summary>
    public LongTextStrategy Strategy { get; init; } = LongTextStrategy.Truncate;

    /// <summary>Tokens shared by consecutive windows (doc_stride); null: <see cref="TuneSharp.Tasks.DocStride.Default"/> of max_length.</summary>
    public int? DocStride { get; init; }

    /// <summary>How window logits are combined (mean by default).</summary>
    public WindowAggregation Aggregation { get; init; } = WindowAggregation.Mean;

    /// <summary>Truncation, as transformers does.</summary>
    public static LongTextOptions Truncate { get; } = new();

    /// <summary>Whether texts are cut into windows.</summary>
    public bool UsesWindows => Strategy == LongTextStrategy.Windows;

    /// <summary>The overlap for windows of <paramref name="maxLength"/> tokens: <see cref="DocStride"/> or the default.</summary>
    public int StrideFor(int maxLength) => DocStride ?? TuneSharp.Tasks.DocStride.Default(maxLength);

    /// <summary>
    /// For reports: "windows of 128 tokens overlapping by 42 (doc_stride), scored by the mean of their logits", or
    /// "truncated to 128 tokens".
    /// </summary>
    public string Describe(int maxLength) => UsesWindows
        ? $"windows of {maxLength} tokens overlapping by {StrideFor(maxLength)} (doc_stride), scored by the {Names.Of(Aggregation)} of their logits"
        : $"truncated to {maxLength} tokens";

    /// <summary>Checks the values against the window length.</summary>
    /// <exception cref="TuneSharpException">doc_stride given without windows, negative, or not below max_length.</exception>
    public void Validate(int maxLength)
    {
        if (!UsesWindows)
        {
            if (DocStride is not null)
                throw new TuneSharpException("doc_stride only applies to long_text windows; with truncation there are no windows to overlap.") { Setting = "doc_stride" };
            return;
        }
        var stride = StrideFor(maxLength);
        if (stride < 0) throw new TuneSharpException($"doc_stride must be 0 or more, got {stride}.") { Setting = "doc_stride" };
        if (stride >= maxLength)
            throw new TuneSharpException($"doc_stride ({stride}) must be smaller than max_length ({maxLength}): it is the overlap of consecutive windows.") { Setting = "doc_stride" };
    }

    /// <summary>
    /// The run_settings.json entries of these options: with windows long_text, doc_stride and window_aggregation; none
    /// for truncation (null values), so runs that truncate keep the identity they had before windows existed.
    /// </summary>
    public IEnumerable<(string Key, string? Value)> Settings(int maxLength) =>
    [
        ("long_text", UsesWindows ? Names.Of(Strategy) : null),
        ("doc_stride", UsesWindows ? StrideFor(maxLength).ToString(CultureInfo.InvariantCulture) : null),
        ("window_aggregation", UsesWindows ? Names.Of(Aggregation) : null),
    ];

    /// <summary>
    /// The options a trained folder's run_settings.json records (written by <see cref="Settings"/>), or null when it
    /// records none (a model trained elsewhere or before long_text existed: truncation).
    /// </summary>
    public static LongTextOptions? FromTrainedFolder(string dir)
    {
        var settings = Training.RunIdentity.Load(dir)?.Settings;
        if (settings is null || !settings.TryGetValue("long_text", out var strategy)) return null;
        if (!Names.TryParse(strategy, out LongTextStrategy parsed)) return null;
        if (parsed == LongTextStrategy.Truncate) return Truncate;
        return new LongTextOptions
        {
            Strategy = parsed,
            DocStride = settings.TryGetValue("doc_stride", out var s) && int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var stride) ? stride : null,
            Aggregation = settings.TryGetValue("window_aggregation", out var a) && Names.TryParse(a, out WindowAggregation aggregation) ? aggregation : WindowAggregation.Mean,
        };
    }

    /// <summary>The lower-case names used in settings files and on the command line.</summary>
    public static class Names
    {
        /// <summary>"truncate" or "windows".</summary>
        public static string Of(LongTextStrategy strategy) => strategy == LongTextStrategy.Windows ? "windows" : "truncate";

        /// <summary>"mean" or "max".</summary>
        public static string Of(WindowAggregation aggregation) => aggregation == WindowAggregation.Max ? "max" : "mean";

        /// <summary>Parses "truncate" / "windows".</summary>
        public static bool TryParse(string text, out LongTextStrategy strategy)
        {
            strategy = text switch { "windows" => LongTextStrategy.Windows, _ => LongTextStrategy.Truncate };
            return text is "windows" or "truncate";
        }

        /// <summary>Parses "mean" / "max".</summary>
        public static bool TryParse(string text, out WindowAggregation aggregation)
        {
            aggregation = text == "max" ? WindowAggregation.Max : WindowAggregation.Mean;
            return text is "mean" or "max";
        }
    }
}
