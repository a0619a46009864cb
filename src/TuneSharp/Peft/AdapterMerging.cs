using TuneSharp.Models;
using TuneSharp.Peft.Lora;
using TuneSharp.Tasks.SequenceClassification;
using TuneSharp.Tokenization;

namespace TuneSharp.Peft;

/// <summary>Folds a LoRA adapter into its base model and writes a plain model folder (<c>tunesharp merge</c>).</summary>
public static class AdapterMerging
{
    /// <summary>
    /// Loads <paramref name="baseModelDir"/> + <paramref name="adapterDir"/>, merges W += scale·B·A, and writes config.json,
    /// model.safetensors (no adapter tensors) and the tokenizer files to <paramref name="outputDir"/>.
    /// </summary>
    public static void Merge(string baseModelDir, string adapterDir, string outputDir)
    {
        if (!PeftClassifierLoader.IsAdapterFolder(adapterDir))
            throw new PeftException($"'{adapterDir}' is not an adapter folder: adapter_config.json is missing.");
        var options = PeftClassifierLoader.TrainedHeadOptions(adapterDir);
        var (classifier, lora) = LoraModel.FromPretrained(baseModelDir, adapterDir, options);
        using var module = classifier.Module;
        Directory.CreateDirectory(outputDir);
        lora.SaveMerged(classifier, outputDir);
        // Tokenizer files: the adapter folder's copy when it has one (it was trained with it), else the base model's.
        var tokenizerDir = File.Exists(Path.Combine(adapterDir, "tokenizer_config.json")) || Directory.GetFiles(adapterDir, "vocab*").Length > 0
            || File.Exists(Path.Combine(adapterDir, "tokenizer.json")) || File.Exists(Path.Combine(adapterDir, "tokenizer.model"))
            ? adapterDir : baseModelDir;
        var tokenizer = TextTokenizer.FromPretrained(tokenizerDir);
        foreach (var name in tokenizer.SourceFiles)
        {
            var from = Path.Combine(tokenizerDir, name);
            if (File.Exists(from)) File.Copy(from, Path.Combine(outputDir, name), overwrite: true);
        }
    }
}
