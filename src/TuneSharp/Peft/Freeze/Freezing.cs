using System.Text.RegularExpressions;
using static TorchSharp.torch;

namespace TuneSharp.Peft.Freeze;

/// <summary>Freezes parts of a model by Hugging Face parameter names (requires_grad = false); the trainer then leaves them out of the optimizer.</summary>
public static partial class Freezing
{
    [GeneratedRegex(@"(^|\.)(embeddings|embed_tokens|embed_in|wte|wpe)\.")]
    private static partial Regex EmbeddingPattern();

    /// <summary>Applies <paramref name="options"/> and returns the names of the parameters now frozen by it.</summary>
    /// <exception cref="PeftException">
    /// A negative layer count, more layers than the model has, or TrainOnlyHead on a model without a classification head.
    /// </exception>
    public static IReadOnlyList<string> Apply(nn.Module model, FreezeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.FreezeLayers < 0) throw new PeftException($"freeze_layers must be at least 0, got {options.FreezeLayers}.") { Setting = "freeze_layers" };
        var parameters = model.named_parameters().ToList();
        var layerCount = parameters.Select(p => LayerIndex(p.name)).Where(i => i >= 0).DefaultIfEmpty(-1).Max() + 1;
        if (options.FreezeLayers > layerCount)
            throw new PeftException($"freeze_layers {options.FreezeLayers}: cannot freeze the first {options.FreezeLayers} layers, the model has {layerCount} numbered layers (as its architecture's registration finds them: encoder.layer.N, transformer.layer.N, layers.N).") { Setting = "freeze_layers" };
        var heads = PeftLayout.HeadsOf(model);
        if (options.TrainOnlyHead && heads.Count == 0)
            throw new PeftException($"TrainOnlyHead needs a classification head ({string.Join(" or ", PeftLayout.ClassificationHeadNames)}), which this model does not have.");

        var frozen = new List<string>();
        foreach (var (name, parameter) in parameters)
        {
            if (!ShouldFreeze(name, options, heads)) continue;
            parameter.requires_grad = false;
            frozen.Add(name);
        }
        return frozen;
    }

    /// <summary>
    /// The layer number of a parameter inside a numbered transformer layer, by the registered architectures' layer
    /// patterns (BERT <c>encoder.layer.N.</c>, DistilBERT <c>transformer.layer.N.</c>, Llama <c>layers.N.</c>), or -1.
    /// </summary>
    public static int LayerIndex(string name) => TuneSharp.Architectures.ModelArchitectures.LayerIndex(name);

    private static bool ShouldFreeze(string name, FreezeOptions options, IReadOnlyList<string> heads)
    {
        if (options.TrainOnlyHead) return !heads.Any(h => PeftLayout.IsUnder(name, h));
        if (options.FreezeEmbeddings && EmbeddingPattern().IsMatch(name)) return true;
        var layer = LayerIndex(name);
        return layer >= 0 && layer < options.FreezeLayers;
    }
}
