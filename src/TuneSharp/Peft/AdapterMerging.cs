using TuneSharp.Models;
using TuneSharp.Peft.Lora;
using TuneSharp.Tasks.TextClassification;
using TuneSharp.Tokenization;

namespace TuneSharp.Peft;

/// <summary>
/// Folds a LoRA adapter into its base model and writes a plain model folder (<c>tunesharp merge</c>). Only LoRA can
/// be merged: its update is linear (W + scale·B·A); bottleneck adapters and prompt tuning change the computation itself.
/// </summary>
public static class AdapterMerging
{
    /// <summary>
    /// Loads <paramref name="baseModelDir"/> + <paramref name="adapterDir"/>, merges W += scale·B·A, and writes config.json,
    /// model.safetensors (no adapter tensors) and the tokenizer files to <paramref name="outputDir"/>.
    /// </summary>
    public static void Merge(string baseModelDir, string adapterDir, string outputDir)
    {
        if (!PeftClassifierLoader.IsAdapterFolder(adapterDir))
            throw new PeftException($"'{adapterDir}' is not an adapter folder: {AdapterConfig.FileName} is missing.");
        var peftType = AdapterFiles.ReadPeftType(adapterDir);
        if (peftType != "LORA")
            throw new PeftException($"{Path.Combine(adapterDir, AdapterFiles.ConfigFileName)}: peft_type is \"{peftType}\"; only LoRA adapters can be merged into the base weights (other methods are not a weight update). Use the adapter folder directly with predict/evaluate.");
        CheckOutput(baseModelDir, adapterDir, outputDir); // before the model loads: a bad output path fails at once
        var options = PeftClassifierLoader.TrainedHeadOptions(adapterDir);
        var (classifier, lora) = LoraModel.FromPretrained(baseModelDir, adapterDir, options);
        using var module = classifier.Module;
        try { Directory.CreateDirectory(outputDir); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PeftException($"Cannot create the output folder '{outputDir}': {e.Message}");
        }
        lora.SaveMerged(classifier, outputDir);
        // Tokenizer files: the adapter folder's copy when it has one (it was trained with it), else the base model's.
        var tokenizerDir = TextTokenizer.ExistsIn(adapterDir) ? adapterDir : baseModelDir;
        TokenizerFiles.Copy(TextTokenizer.FromPretrained(tokenizerDir), tokenizerDir, outputDir);
    }

    // The merged model must not land on a file, or on the base model or adapter it is made from (it would replace them).
    private static void CheckOutput(string baseModelDir, string adapterDir, string outputDir)
    {
        if (string.IsNullOrWhiteSpace(outputDir)) throw new PeftException("The output folder is empty; give a folder for the merged model.");
        if (File.Exists(outputDir)) throw new PeftException($"The output '{outputDir}' is a file; give a folder for the merged model.");
        if (FolderPaths.Same(outputDir, baseModelDir) || FolderPaths.Same(outputDir, adapterDir))
            throw new PeftException($"The output folder '{outputDir}' is the {(FolderPaths.Same(outputDir, adapterDir) ? "adapter" : "base model")} folder itself; give another folder for the merged model.");
    }
}
