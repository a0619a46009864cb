namespace TuneSharp.Tasks.QuestionAnswering;

/// <summary>How question-answering examples become features and predictions (transformers' run_qa.py arguments).</summary>
public sealed record QuestionAnsweringTaskOptions
{
    /// <summary>Tokens per window, question and special tokens included (max_seq_length; run_qa.py's default 384).</summary>
    public int MaxLength { get; init; } = 384;

    /// <summary>Context tokens shared by consecutive windows of a long context (doc_stride; default 128).</summary>
    public int DocStride { get; init; } = 128;

    /// <summary>How logits become answers: n_best_size, max_answer_length, version_2_with_negative, null_score_diff_threshold.</summary>
    public AnswerPostProcessingOptions PostProcessing { get; init; } = new();

    /// <summary>
    /// The options a trained folder was trained with, so that predictions and scores match training's: max_length from
    /// training_args.json, doc_stride and the post-processing settings from run_settings.json; null when the folder has
    /// neither file (a model trained elsewhere).
    /// </summary>
    public static QuestionAnsweringTaskOptions? FromTrainedFolder(string dir)
    {
        var settings = Training.RunIdentity.Load(dir)?.Settings;
        var maxLength = Training.TrainingArguments.TrainedMaxLength(dir);
        if (settings is null && maxLength is null) return null;
        string? Setting(string key) => settings is not null && settings.TryGetValue(key, out var v) ? v : null;
        int Int(string key, int fallback) => int.TryParse(Setting(key), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : fallback;
        var defaults = new QuestionAnsweringTaskOptions();
        var post = new AnswerPostProcessingOptions();
        return new QuestionAnsweringTaskOptions
        {
            MaxLength = maxLength ?? defaults.MaxLength,
            DocStride = Int("doc_stride", defaults.DocStride),
            PostProcessing = post with
            {
                NBestSize = Int("n_best_size", post.NBestSize),
                MaxAnswerLength = Int("max_answer_length", post.MaxAnswerLength),
                Version2WithNegative = Setting("version_2_with_negative") == "true",
                NullScoreDiffThreshold = double.TryParse(Setting("null_score_diff_threshold"), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var t) ? t : post.NullScoreDiffThreshold,
            },
        };
    }

    /// <summary>
    /// The options to answer with a folder's model: those it was trained with (<see cref="FromTrainedFolder"/>) or the
    /// defaults, with <paramref name="maxLength"/> when given (doc_stride then at most a third of it); null when the
    /// folder says nothing and no length is given (a pipeline then picks its own defaults for the model).
    /// </summary>
    public static QuestionAnsweringTaskOptions? ForFolder(string dir, int? maxLength)
    {
        var trained = FromTrainedFolder(dir);
        if (maxLength is not { } length) return trained;
        var options = trained ?? new QuestionAnsweringTaskOptions();
        return options with { MaxLength = length, DocStride = TuneSharp.Tasks.DocStride.ForMaxLength(options.DocStride, length) };
    }

    /// <summary>Checks the values.</summary>
    /// <exception cref="TuneSharpException">A length or stride out of range.</exception>
    public void Validate()
    {
        if (MaxLength < 4) throw new TuneSharpException($"max_length must be at least 4 for question answering (special tokens, a question and some context), got {MaxLength}.") { Setting = "max_length" };
        if (DocStride < 0) throw new TuneSharpException($"doc_stride must be 0 or more, got {DocStride}.") { Setting = "doc_stride" };
        if (DocStride >= MaxLength) throw new TuneSharpException($"doc_stride ({DocStride}) must be smaller than max_length ({MaxLength}): it is the overlap of consecutive windows.") { Setting = "doc_stride" };
        PostProcessing.Validate();
    }
}
