using TuneSharp.Models;
using TuneSharp.Tokenization;
using TuneSharp.Training;

namespace TuneSharp.Recipes;

/// <summary>
/// What a task brings to the one fine-tuning recipe (<see cref="FineTuningRecipe"/>): its data, its task model, its
/// training task (loss, metrics) and its test evaluation. Everything else — checks, output folder, seeding, PEFT,
/// threads, the resource plan, training, saving and results files — is the recipe's, the same for every task. One
/// instance describes one run; the recipe calls the members in the order they are listed.
/// </summary>
public abstract class FineTuningTask
{
    /// <summary>The task's name in settings and run_settings.json: "text-classification", "token-classification".</summary>
    public abstract string Name { get; }

    /// <summary>The options every task shares.</summary>
    public abstract FineTuningRunOptions Options { get; }

    /// <summary>Checks of the task's own options and data paths that cost nothing (before anything is read).</summary>
    public virtual void CheckOptions() { }

    /// <summary>The task's settings that make the run the run it is (columns, labels...), beside the shared ones.</summary>
    public abstract IEnumerable<(string Key, string? Value)> IdentityFields();

    /// <summary>
    /// Reads the training, validation and test data (holding validation out of train when there is no file, applying
    /// max_train_samples / max_eval_samples), reports what was read, and returns the number of training examples.
    /// </summary>
    public abstract int LoadData(Action<string> report);

    /// <summary>
    /// Loads the task model from <see cref="FineTuningRunOptions.ModelDir"/> with a head for the data's labels (torch's
    /// generator is already seeded); reports what the checkpoint did not provide.
    /// </summary>
    public abstract ITaskModel LoadModel(Action<string> report);

    /// <summary>
    /// The training task over <paramref name="model"/> (the loaded model, or prompt tuning's wrapper of it): tokenizes
    /// the data and reports what it changed (truncation, windows). <paramref name="trainLengths"/> gets each training
    /// example's token count, for the resource plan.
    /// </summary>
    public abstract ITrainingTask CreateTrainingTask(ITaskModel model, TextTokenizer tokenizer, out IReadOnlyList<int> trainLengths, Action<string> report);

    /// <summary>
    /// Files the task adds beside a saved adapter (the tokenizer's files and config.json are already there), such as the
    /// chat template a language model was trained with. A full model's training task writes its own.
    /// </summary>
    public virtual void WriteAdapterFiles(string dir) { }

    /// <summary>Metrics on the test file ("test_" keys) after training, or null when there is none.</summary>
    public abstract IReadOnlyDictionary<string, double>? EvaluateTest(CancellationToken ct);
}
