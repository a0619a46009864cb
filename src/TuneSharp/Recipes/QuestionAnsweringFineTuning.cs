using System.Globalization;
using TuneSharp.Data;
using TuneSharp.Models;
using TuneSharp.Tasks.QuestionAnswering;
using TuneSharp.Tasks.SequenceClassification;
using TuneSharp.Tokenization;
using TuneSharp.Training;

namespace TuneSharp.Recipes;

/// <summary>
/// The extractive question-answering job (<c>--task question-answering</c>): the one <see cref="FineTuningRecipe"/> with
/// <see cref="QuestionAnsweringRecipeTask"/>.
/// </summary>
public static class QuestionAnsweringFineTuning
{
    /// <summary>Runs the job. <paramref name="report"/> receives human-readable lines (data summary, plan, warnings).</summary>
    public static FineTuningRunResult Run(QuestionAnsweringRunOptions options, ITrainerCallback callback, Action<string> report, CancellationToken ct = default) =>
        FineTuningRecipe.Run(new QuestionAnsweringRecipeTask(options), callback, report, ct);

    /// <summary>The resource plan of <see cref="Run"/> without training.</summary>
    public static Planning.ResourcePlan Plan(QuestionAnsweringRunOptions options, Action<string> report) =>
        FineTuningRecipe.Plan(new QuestionAnsweringRecipeTask(options), report);
}

/// <summary>What question answering brings to the <see cref="FineTuningRecipe"/>: questions with contexts, a span head, SQuAD metrics.</summary>
public sealed class QuestionAnsweringRecipeTask(QuestionAnsweringRunOptions options) : FineTuningTask
{
    private QuestionAnsweringDataset? _train, _validation, _test;
    private QuestionAnsweringTask? _task;

    /// <inheritdoc/>
    public override string Name => "question-answering";

    /// <inheritdoc/>
    public override FineTuningRunOptions Options => options;

    private QuestionAnsweringTaskOptions TaskOptions => new()
    {
        MaxLength = options.Args.MaxLength, DocStride = options.EffectiveDocStride,
        PostProcessing = new AnswerPostProcessingOptions
        {
            NBestSize = options.NBestSize, MaxAnswerLength = options.MaxAnswerLength,
            Version2WithNegative = options.Version2WithNegative, NullScoreDiffThreshold = options.NullScoreDiffThreshold,
        },
    };

    /// <inheritdoc/>
    public override void CheckOptions()
    {
        TaskOptions.Validate();
        foreach (var path in new[] { options.TrainPath, options.ValidationPath, options.TestPath })
            if (path is not null) QuestionAnsweringData.CheckPath(path, options.Format);
    }

    /// <inheritdoc/>
    public override IEnumerable<(string Key, string? Value)> IdentityFields() =>
    [
        ("id_column", options.IdColumn),
        ("question_column", options.QuestionColumn),
        ("context_column", options.ContextColumn),
        ("answers_column", options.AnswersColumn),
        ("doc_stride", options.EffectiveDocStride.ToString(CultureInfo.InvariantCulture)),
        ("version_2_with_negative", options.Version2WithNegative ? "true" : null),
        // Post-processing decides the validation scores, and with them the best checkpoint; evaluate and predict read them back.
        ("n_best_size", options.NBestSize.ToString(CultureInfo.InvariantCulture)),
        ("max_answer_length", options.MaxAnswerLength.ToString(CultureInfo.InvariantCulture)),
        ("null_score_diff_threshold", options.Version2WithNegative ? options.NullScoreDiffThreshold.ToString("R", CultureInfo.InvariantCulture) : null),
    ];

    /// <inheritdoc/>
    public override int LoadData(Action<string> report)
    {
        QuestionAnsweringDataset Load(string path)
        {
            var data = QuestionAnsweringData.Load(new QuestionAnsweringDataOptions
            {
                Path = path, Format = options.Format, IdColumn = options.IdColumn, QuestionColumn = options.QuestionColumn,
                ContextColumn = options.ContextColumn, AnswersColumn = options.AnswersColumn, OnBadRow = options.OnBadRow,
            });
            if (data.Skipped.Count > 0) report($"warning: {path}: {data.Skipped}");
            return data;
        }

        var train = Load(options.TrainPath);
        QuestionAnsweringDataset validation;
        if (options.ValidationPath is not null) validation = Load(options.ValidationPath);
        else
        {
            (train, validation) = HoldOutByContext(train, options.ValidationSplit, options.Args.Seed);
            report($"No validation file: held out {validation.Count:N0} training questions ({options.ValidationSplit:P0} of the contexts, random, seed {options.Args.Seed}; " +
                   "questions about one context stay on one side).");
        }
        var test = options.TestPath is null ? null : Load(options.TestPath);
        if (options.MaxTrainSamples is { } maxTrain) train = train.Take(maxTrain);
        if (options.MaxEvalSamples is { } maxEval) validation = validation.Take(maxEval);
        (_train, _validation, _test) = (train, validation, test);
        var unanswerable = train.Examples.Count(e => !e.IsAnswerable);
        foreach (var (name, data) in new[] { ("train", train), ("validation", validation), ("test", test) })
            if (data is not null)
                report($"{name}: {data.Count:N0} questions about {data.Examples.Select(e => e.Context).Distinct().Count():N0} contexts" +
                       (data.HasUnanswerable ? $" ({data.Examples.Count(e => !e.IsAnswerable):N0} without an answer)" : ""));
        if (unanswerable > 0 && !options.Version2WithNegative)
            throw new TuneSharpException($"{options.TrainPath}: {unanswerable:N0} training questions have no answer (SQuAD v2.0); set version_2_with_negative " +
                "so the model learns to answer none and evaluation scores them as v2.0 does.") { Setting = "version_2_with_negative" };
        return train.Count;
    }

    /// <inheritdoc/>
    public override ITaskModel LoadModel(Action<string> report)
    {
        var (model, loadReport) = QuestionAnsweringModelFactory.FromPretrained(options.ModelDir, new SequenceClassificationOptions
        {
            DType = options.DType, HiddenDropoutOverride = options.Args.HiddenDropoutProb,
        });
        if (!loadReport.IsClean) report(loadReport.ToString());
        return model;
    }

    /// <inheritdoc/>
    public override ITrainingTask CreateTrainingTask(ITaskModel model, TextTokenizer tokenizer, out IReadOnlyList<int> trainLengths, Action<string> report)
    {
        _task = new QuestionAnsweringTask((IQuestionAnsweringModel)model, tokenizer, _train!, _validation, TaskOptions, options.ModelDir);
        var (windowedTrain, windowedEval) = _task.WindowedExamples;
        report($"{_task.TrainExampleCount:N0} training windows from {_train!.Count:N0} questions: {windowedTrain:N0} training and {windowedEval:N0} validation contexts " +
               $"are longer than max_length {options.Args.MaxLength} allows beside their question, split into windows overlapping by {options.EffectiveDocStride} tokens (doc_stride).");
        trainLengths = _task.TrainLengths;
        return _task;
    }

    /// <summary>
    /// Also writes the final model's answers as run_qa.py does: eval_predictions.json (question id → answer) from the
    /// last validation pass, and with a test file test_predictions.json; for SQuAD v2.0 data *_null_odds.json too
    /// (question id → the null score's margin over the best span, the official evaluation's na_prob file).
    /// </summary>
    public override IReadOnlyDictionary<string, double>? EvaluateTest(CancellationToken ct)
    {
        if (_task!.LastEvalPredictions is { } validation) WritePredictions("eval", validation);
        if (_test is null) return null;
        var predictions = _task.PredictOn(_test, options.Args.PerDeviceEvalBatchSize, ct);
        WritePredictions("test", predictions);
        return QuestionAnsweringEvaluator.Score(_test.Examples, predictions, TaskOptions.PostProcessing).ToDictionary(p => "test_" + p.Key, p => p.Value);
    }

    private void WritePredictions(string stage, IReadOnlyList<AnswerPrediction> predictions)
    {
        static string Json(System.Text.Json.Nodes.JsonObject o) => o.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
        var answers = new System.Text.Json.Nodes.JsonObject();
        foreach (var p in predictions) answers[p.Id] = p.Answer;
        Checkpoints.CheckpointFiles.WriteTextAtomically(Path.Combine(options.Args.OutputDir, $"{stage}_predictions.json"), Json(answers));
        if (!options.Version2WithNegative) return;
        var odds = new System.Text.Json.Nodes.JsonObject();
        foreach (var p in predictions) odds[p.Id] = p.NullScoreDiff ?? 0.0;
        Checkpoints.CheckpointFiles.WriteTextAtomically(Path.Combine(options.Args.OutputDir, $"{stage}_null_odds.json"), Json(odds));
    }

    // Questions about one context stay together, so no validation question is about a context seen in training.
    private static (QuestionAnsweringDataset Train, QuestionAnsweringDataset Validation) HoldOutByContext(QuestionAnsweringDataset data, double fraction, int seed)
    {
        var contexts = data.Examples.Select(e => e.Context).Distinct(StringComparer.Ordinal).ToArray();
        if (contexts.Length < 2)
            throw new TuneSharpException($"{data.SourcePath}: all questions are about one context, which cannot be split into training and validation data; give a validation file.") { Setting = "validation_split" };
        new Random(seed).Shuffle(contexts);
        var held = Math.Clamp((int)Math.Round(contexts.Length * fraction), 1, contexts.Length - 1);
        var validation = contexts.Take(held).ToHashSet(StringComparer.Ordinal);
        return (new QuestionAnsweringDataset(data.Examples.Where(e => !validation.Contains(e.Context)).ToArray(), data.SourcePath, data.Skipped),
                new QuestionAnsweringDataset(data.Examples.Where(e => validation.Contains(e.Context)).ToArray(), data.SourcePath, data.Skipped));
    }
}
