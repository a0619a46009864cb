namespace TuneSharp.Training;

/// <summary>
/// The files and folders a training run writes into output_dir (Hugging Face's layout): what
/// <see cref="RunOutputFolder"/> looks for to tell whether a folder already holds a run, and what
/// overwrite_output_dir deletes. Anything else in the folder (a user's own files) is left alone.
/// </summary>
internal static class RunOutputs
{
    // Written only by a training run (TuneSharp's or transformers' Trainer): their presence says "a run was here".
    private static readonly string[] RunMarkers =
    [
        TrainerState.FileName, TrainingArguments.FileName, RunIdentity.FileName, ResultFiles.TrainResults,
        ResultFiles.EvalResults, ResultFiles.AllResults, ResultFiles.TestResults,
        // Question answering's answers of the final model (run_qa.py's names).
        "eval_predictions.json", "test_predictions.json", "eval_null_odds.json", "test_null_odds.json",
    ];

    // Also written by a run, but a pretrained model folder has them too.
    private static readonly string[] ModelFiles =
    [
        Models.PretrainedConfig.FileName, "generation_config.json", Checkpoints.ModelWeights.SingleFileName, Checkpoints.ModelWeights.IndexFileName,
        Peft.AdapterFiles.ConfigFileName, Peft.AdapterFiles.WeightsFileName,
        // Tokenizer files copied next to the model (the names transformers' tokenizers save).
        "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json", "vocab.txt", "vocab.json",
        "merges.txt", "tokenizer.model", "spiece.model", "sentencepiece.bpe.model", "spm.model",
    ];

    /// <summary>Names (relative to <paramref name="dir"/>) of the run outputs it holds, checkpoints first.</summary>
    public static List<string> Find(string dir)
    {
        var found = new List<string>();
        if (!Directory.Exists(dir)) return found;
        found.AddRange(CheckpointFolders.List(dir).Select(c => Path.GetFileName(c.Path)));
        foreach (var file in Directory.EnumerateFiles(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal))
            if (IsOutputFile(file!)) found.Add(file!);
        return found;
    }

    /// <summary>Whether <paramref name="outputs"/> (from <see cref="Find"/>) show a training run, not only a model.</summary>
    public static bool IsFromTrainingRun(IReadOnlyList<string> outputs) =>
        outputs.Any(o => o.StartsWith(CheckpointFolders.Prefix, StringComparison.Ordinal) || RunMarkers.Contains(o));

    /// <summary>Deletes <paramref name="outputs"/> (from <see cref="Find"/>) inside <paramref name="dir"/>.</summary>
    /// <exception cref="TrainingException">One of them could not be deleted.</exception>
    public static void Delete(string dir, IReadOnlyList<string> outputs)
    {
        foreach (var name in outputs)
        {
            var path = Path.Combine(dir, name);
            try
            {
                if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
                else File.Delete(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new TrainingException($"overwrite_output_dir: cannot delete {path}: {e.Message}");
            }
        }
    }

    private static bool IsOutputFile(string name) =>
        RunMarkers.Contains(name) || ModelFiles.Contains(name)
        // Sharded weights: model-00001-of-00003.safetensors.
        || (name.StartsWith("model-", StringComparison.Ordinal) && name.EndsWith(".safetensors", StringComparison.Ordinal));
}
