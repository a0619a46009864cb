using static TorchSharp.torch;

namespace TuneSharp.Models;

/// <summary>The activation functions HF configs name in <c>hidden_act</c> (the subset of transformers' ACT2FN we need).</summary>
public static class Activations
{
    /// <summary>Names accepted in <c>hidden_act</c>.</summary>
    public static IReadOnlyList<string> Supported { get; } = ["gelu", "gelu_new", "gelu_pytorch_tanh", "relu", "silu", "swish"];

    /// <summary>Applies the named activation. "gelu" is the exact erf form (what BERT was trained with);
    /// "gelu_new"/"gelu_pytorch_tanh" are the tanh approximation.</summary>
    public static Tensor Apply(string name, Tensor x) => name switch
    {
        "gelu" => nn.functional.gelu(x),
        "gelu_new" or "gelu_pytorch_tanh" => nn.functional.gelu(x, TorchSharp.Modules.GELU.Approximate.tanh),
        "relu" => nn.functional.relu(x),
        "silu" or "swish" => nn.functional.silu(x),
        _ => throw new ModelConfigException($"hidden_act \"{name}\" is not supported; supported: {string.Join(", ", Supported)}"),
    };

    internal static void Validate(string name, ConfigReader r, string field)
    {
        if (!Supported.Contains(name))
            throw r.Error(field, $"is \"{name}\"; supported activations: {string.Join(", ", Supported)}");
    }
}
