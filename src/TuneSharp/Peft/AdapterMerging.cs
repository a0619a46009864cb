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
        var options = PeftClassifierLoader.TrainedHeadOptions(adapterDir);
        var (classifier, lora) = LoraModel.FromPretrained(baseModelDir, adapterDir, options);
        using var module = classifier.Module;
        Directory.CreateDirectory(outputDir);
        lora.SaveMerged(classifier, outputDir);
        // Tokenizer files: the adapter folder's copy when it has one (it was trained with it), else the base model's.
        var tokenizerDir = TextTokenizer.ExistsIn(adapterDir) ? adapterDir : baseModelDir;
        TokenizerFiles.Copy(TextTokenizer.FromPretrained(tokenizerDir), tokenizerDir, outputDir);
    }
}
