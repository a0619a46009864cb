using System.Text.RegularExpressions;
using TuneSharp.Architectures;
using TuneSharp.Models;
using TuneSharp.Peft.Bottleneck;
using TuneSharp.Tasks.SequenceClassification;
using static TorchSharp.torch;

namespace TuneSharp.Peft;

/// <summary>
/// Where things are in TuneSharp's models, by Hugging Face parameter names: the classification heads, the
/// embeddings, the numbered transformer layers, and the default LoRA targets of each architecture.
/// </summary>
public static class PeftLayout
{
    /// <summary>
    /// Module names of the classification heads of every registered architecture (BERT <c>classifier</c>, Llama
    /// <c>score</c>), for modules that do not say which task model they are.
    /// </summary>
    public static IReadOnlyList<string> ClassificationHeadNames =>
        ModelArchitectures.All.SelectMany(a => a.Heads.Where(h => h.Key != ModelTask.CausalLm).SelectMany(h => h.Value.Modules)).Distinct().ToList();

    /// <summary>
    /// The head names PEFT 0.10 adds to modules_to_save by itself for a task, whatever the architecture: {"classifier",
    /// "score"} for sequence and token classification, {"qa_outputs"} for question answering (PeftModelFor*'s constructors).
    /// An adapter file may name them though the model has only one of them.
    /// </summary>
    public static IReadOnlyList<string> PeftAddedHeadNames(ModelTask task) => task switch
    {
        ModelTask.SequenceClassification or ModelTask.TokenClassification => ["classifier", "score"],
        ModelTask.QuestionAnswering => ["qa_outputs"],
        _ => [],
    };

    /// <summary>The classification heads that <paramref name="model"/> has (module paths), found by name.</summary>
    public static IReadOnlyList<string> HeadsOf(nn.Module model)
    {
        var names = model.named_modules().Select(m => m.name).ToHashSet();
        return ClassificationHeadNames.Where(names.Contains).ToList();
    }

    /// <summary>
    /// The head of a task model, as its architecture registers it for its task: what PEFT's modules_to_save holds by
    /// default (transformers' language-model heads stay frozen, as PEFT's CAUSAL_LM leaves them).
    /// </summary>
    /// <exception cref="PeftException">The architecture registers no head for the model's task.</exception>
    public static IReadOnlyList<string> HeadsOf(ITaskModel model)
    {
        if (model.Task is ModelTask.CausalLm or ModelTask.Seq2SeqLm) return [];
        var architecture = ModelArchitectures.Find(model.Config.ModelType)
            ?? throw new PeftException($"model_type \"{model.Config.ModelType}\" is not a registered architecture; set modules_to_save explicitly.");
        if (!architecture.Heads.TryGetValue(model.Task, out var head))
            throw new PeftException($"{architecture.ClassName(model.Task)} has no registered head; set modules_to_save explicitly so it is not frozen.");
        return head.Modules;
    }

    /// <summary>True when <paramref name="name"/> is <paramref name="modulePath"/> itself or something inside it.</summary>
    public static bool IsUnder(string name, string modulePath) =>
        name == modulePath || name.StartsWith(modulePath + ".", StringComparison.Ordinal);

    /// <summary>PEFT's default LoRA target modules for a model_type.</summary>
    /// <exception cref="PeftException">No default is known for that model type.</exception>
    public static IReadOnlyList<string> DefaultLoraTargets(string modelType) =>
        ModelArchitectures.Find(modelType)?.DefaultLoraTargets
        ?? throw new PeftException($"There are no default LoRA target modules for model_type \"{modelType}\"; set the target modules explicitly (e.g. \"all-linear\").");

    /// <summary>
    /// The output projections that bottleneck adapters follow, as whole-path regular expressions: the attention
    /// output projection (Houlsby only) and the feed-forward output projection of every layer.
    /// </summary>
    /// <exception cref="PeftException">No placement is known for that model type.</exception>
    public static Regex BottleneckSites(string modelType, BottleneckVariant variant)
    {
        var architecture = ModelArchitectures.Find(modelType)
            ?? throw new PeftException($"Bottleneck adapters do not know where to go in model_type \"{modelType}\"; supported: {string.Join(", ", ModelArchitectures.All.Select(a => a.ModelType))}.");
        var (attention, feedForward) = architecture.AdapterSites;
        var sites = variant == BottleneckVariant.Houlsby ? $"(?:{attention}|{feedForward})" : feedForward;
        // Anything, the architecture's numbered layer ("encoder.layer.<n>.", "layers.<n>.", GPT-2's "h.<n>."), then the
        // site: anchors the FFN "output.dense" to the layer itself, so BERT's "attention.output.dense" is not taken for a
        // feed-forward projection.
        return new Regex($@"^.*?(?:{architecture.LayerPattern}){sites}$", RegexOptions.CultureInvariant);
    }

    /// <summary>The model_type of a TuneSharp classifier (from its config).</summary>
    public static string ModelTypeOf(nn.Module model) => model is ITaskModel classifier
        ? classifier.Config.ModelType
        : throw new PeftException($"{model.GetType().Name} is not a sequence classifier; pass its model_type explicitly.");
}
