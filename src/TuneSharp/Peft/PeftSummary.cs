using TuneSharp.Recipes;
using static TorchSharp.torch;

namespace TuneSharp.Peft;

/// <summary>PEFT's <c>print_trainable_parameters()</c> line for a model whose frozen parameters have requires_grad = false.</summary>
public static class PeftSummary
{
    /// <summary>Parameter counts: those with requires_grad, and all.</summary>
    public static (long Trainable, long All) Count(nn.Module model) => ParameterCount.Count(model);

    /// <summary>"trainable params: X || all params: Y || trainable%: Z".</summary>
    public static string Describe(nn.Module model) => ParameterCount.Describe(model);
}
