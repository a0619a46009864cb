using System.Globalization;
using TuneSharp.Data;
using TuneSharp.Models;
using TuneSharp.Tasks.CausalLm;
using TuneSharp.Tokenization;
using TuneSharp.Tokenization.ChatTemplates;
using TuneSharp.Training;

namespace TuneSharp.Recipes;

/// <summary>
/// The causal-language-model job (<c>--task causal-lm</c>: continued pre-training, instruction tuning, chatbots): the
/// one <see cref="FineTuningRecipe"/> with <see cref="CausalLmRecipeTask"/>.
/// </summary>
public static class CausalLmFineTuning
{
    /// <summary>Runs the job. <paramref name="report"/> receives human-readable lines (data summary, plan, samples).</summary>
    public static FineTuningRunResult Run(CausalLmRunOptions options, ITrainerCallback callback, Action<string> report, CancellationToken ct = default) =>
        FineTuningRecipe.Run(new CausalLmRecipeTask(options), callback, report, ct);

    /// <summary>The resource plan of <see cref="Run"/> without training.</summary>
    public static Planning.ResourcePlan Plan(CausalLmRunOptions options, Action<string> report) =>
        FineTuningRecipe.Plan(new CausalLmRecipeTask(options), report);
}

/// <summary>
/// What causal language modelling brings to the <see cref="FineTuningRecipe"/>: documents cut into blocks or
/// conversations rendered with a chat template (responses trained), optionally packed; the model's own LM head; loss
/// and perplexity.
/// </summary>
public sealed class CausalLmRecipeTask(CausalLmRunOptions options) : FineTuningTask
{
    private IReadOnlyList<PackedSequence>? _train;
    private IReadOnlyList<CausalLmExample>? _trainExamples, _validation, _test;
    private IChatTemplate? _template;
    private CausalLmTask? _task;

    /// <inheritdoc/>
    public override string Name => "causal-lm";

    /// <summary>The training sequences before packing, once <see cref="LoadData"/> has run (what a peer trains on, e.g.).</summary>
    public IReadOnlyList<CausalLmExample> TrainExamples => _trainExamples ?? throw new InvalidOperationException("LoadData has not run.");

    /// <summary>The validation sequences, once <see cref="LoadData"/> has run.</summary>
    public IReadOnlyList<CausalLmExample> ValidationExamples => _validation ?? throw new InvalidOperationException("LoadData has not run.");

    /// <inheritdoc/>
    public override FineTuningRunOptions Options => options;

    /// <inheritdoc/>
    public override void CheckOptions()
    {
        if (options.BlockSize is < 2) throw new TuneSharpException($"block_size must be at least 2, got {options.BlockSize}.") { Setting = "block_size" };
        if (options.BlockSize > options.Args.MaxLength)
            throw new TuneSharpException($"block_size {options.BlockSize} is longer than max_length {options.Args.MaxLength}; a block must fit the sequences the model is run on.") { Setting = "block_size" };
        if (options.EvalGenerateSamples < 0) throw new TuneSharpException($"eval_generate_samples must be at least 0, got {options.EvalGenerateSamples}.") { Setting = "eval_generate_samples" };
        foreach (var path in new[] { options.TrainPath, options.ValidationPath, options.TestPath })
            if (path is not null) TabularReader.CheckFileExists(path, "a causal-LM data file (.txt, .jsonl, .json, .csv, .tsv or .parquet)");
    }

    /// <inheritdoc/>
    public override IEnumerable<(string Key, string? Value)> IdentityFields() =>
    [
        ("text_column", options.TextColumn),
        ("messages_column", options.MessagesColumn),
        ("block_size", options.EffectiveBlockSize.ToString(CultureInfo.InvariantCulture)),
        ("chat_template", options.ChatTemplate is { } t && File.Exists(t) ? Training.RunIdentity.FileFingerprint(t) : options.ChatTemplate),
        ("train_on_prompt", options.TrainOnPrompt ? "true" : null),
        ("packing", options.Packing ? "true" : null),
    ];

    /// <inheritdoc/>
    public override int LoadData(Action<string> report)
    {
        var tokenizer = TextTokenizer.FromPretrained(options.ModelDir);
        CausalLmDataset Load(string path) => Report(CausalLmData.Load(new CausalLmDataOptions
        {
            Path = path, FileFormat = options.Format, TextColumn = options.TextColumn, MessagesColumn = options.MessagesColumn,
            OnBadRow = options.OnBadRow,
        }), report);

        var train = Load(options.TrainPath);
        CausalLmDataset validation;
        if (options.ValidationPath is not null) validation = Load(options.ValidationPath);
        else
        {
            (train, validation) = HoldOut(train, options.ValidationSplit, options.Args.Seed);
            report($"No validation file: held out {validation.Count:N0} training {Rows(train)} ({options.ValidationSplit:P0}, random, seed {options.Args.Seed}).");
        }
        var test = options.TestPath is null ? null : Load(options.TestPath);
        if (options.MaxTrainSamples is { } maxTrain && maxTrain < train.Count) train = Take(train, maxTrain);
        if (options.MaxEvalSamples is { } maxEval && maxEval < validation.Count) validation = Take(validation, maxEval);

        if (train.IsConversational || validation.IsConversational || test?.IsConversational == true)
        {
            _template = ChatTemplate.Resolve(options.ChatTemplate, options.ModelDir);
            report($"chat template: {_template.Name}; loss on {(options.TrainOnPrompt ? "every token (train_on_prompt)" : "the assistant replies only")}");
        }
        else if (options.ChatTemplate is not null)
            report("note: chat_template is not used: the data is plain text, not conversations.");

        var exampleOptions = new CausalLmExampleOptions
        {
            BlockSize = options.EffectiveBlockSize, MaxLength = options.Args.MaxLength, TrainOnPrompt = options.TrainOnPrompt,
        };
        IReadOnlyList<CausalLmExample> Build(string name, CausalLmDataset data)
        {
            var built = CausalLmExampleBuilder.Build(data, tokenizer, _template, exampleOptions);
            report($"{name}: {built.Summary}");
            if (built.Examples.Count == 0)
                throw new TuneSharpException($"{data.SourcePath}: no {name} sequence is left to train or evaluate on ({built.Summary}).");
            return built.Examples;
        }

        var trainExamples = _trainExamples = Build("train", train);
        _validation = Build("validation", validation);
        _test = test is null ? null : Build("test", test);
        if (options.Packing)
        {
            var packed = CausalLmPacking.Pack(trainExamples, options.Args.MaxLength);
            report($"packing: {packed}");
            _train = packed.Sequences;
        }
        else _train = trainExamples.Select(CausalLmTask.Single).ToList();
        return _train.Count;
    }

    /// <inheritdoc/>
    public override ITaskModel LoadModel(Action<string> report)
    {
        var (model, loadReport) = AutoModelForCausalLM.FromPretrained(options.ModelDir, options.DType);
        if (!loadReport.IsClean) report(loadReport.ToString());
        return model;
    }

    /// <inheritdoc/>
    public override ITrainingTask CreateTrainingTask(ITaskModel model, TextTokenizer tokenizer, out IReadOnlyList<int> trainLengths, Action<string> report)
    {
        if (model is not CausalLanguageModel language)
            throw new TuneSharpException($"--task causal-lm does not support the {options.Peft.Method} method yet; use full, freeze, bitfit or lora.") { Setting = "peft_method" };
        _task = new CausalLmTask(language, tokenizer, _train!, _validation, new CausalLmTaskOptions
        {
            EvalGenerateSamples = options.EvalGenerateSamples, GenerationLog = report, ChatTemplateSource = TemplateToRecord,
        }, options.ModelDir);
        trainLengths = _task.TrainLengths;
        return _task;
    }

    /// <inheritdoc/>
    public override void WriteAdapterFiles(string dir)
    {
        if (TemplateToRecord is { } template) ChatTemplateFiles.Save(dir, template);
    }

    // A template other than the model's own is recorded in the saved folders, so the model is prompted as it was trained.
    private string? TemplateToRecord => options.ChatTemplate is not null && _template is ChatTemplate used ? used.Source : null;

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, double>? EvaluateTest(CancellationToken ct) =>
        _test is null ? null : _task!.EvaluateOn(_test, options.Args.PerDeviceEvalBatchSize, ct)
            .ToDictionary(m => "test_" + m.Key["eval_".Length..], m => m.Value);

    private static CausalLmDataset Report(CausalLmDataset data, Action<string> report)
    {
        if (data.Skipped.Count > 0) report($"warning: {data.SourcePath}: {data.Skipped}");
        report($"{data.SourcePath}: {data.Count:N0} {Rows(data)} ({data.Format})");
        return data;
    }

    private static string Rows(CausalLmDataset data) => data.IsConversational ? "conversations" : "documents";

    // A seeded random held-out split of the rows (documents or conversations), keeping the file order within each part.
    private static (CausalLmDataset Train, CausalLmDataset Validation) HoldOut(CausalLmDataset data, double fraction, int seed)
    {
        if (data.Count < 2)
            throw new TuneSharpException($"{data.SourcePath}: {data.Count} {Rows(data)} cannot be split into training and validation data; give a validation file.") { Setting = "validation_split" };
        var order = Enumerable.Range(0, data.Count).ToArray();
        new Random(seed).Shuffle(order);
        var held = Math.Clamp((int)Math.Round(data.Count * fraction), 1, data.Count - 1);
        return (Subset(data, order.Skip(held).Order()), Subset(data, order.Take(held).Order()));
    }

    private static CausalLmDataset Take(CausalLmDataset data, int n) => Subset(data, Enumerable.Range(0, n));

    private static CausalLmDataset Subset(CausalLmDataset data, IEnumerable<int> indices)
    {
        var kept = indices.ToList();
        var locations = kept.Select(i => data.Locations[i]).ToList();
        return data.IsConversational
            ? CausalLmDataset.FromConversations(kept.Select(i => data.Conversations![i]).ToList(), locations, data.SourcePath, data.Skipped, data.Format, data.FileFormat)
            : CausalLmDataset.FromDocuments(kept.Select(i => data.Documents![i]).ToList(), locations, data.SourcePath, data.Skipped, data.Format, data.FileFormat);
    }
}
