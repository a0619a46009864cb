using TuneSharp.Models;
using TuneSharp.Peft.BitFit;
using TuneSharp.Peft.Bottleneck;
using TuneSharp.Peft.Freeze;
using TuneSharp.Peft.Lora;
using TuneSharp.Peft.PromptTuning;
using TuneSharp.Tokenization;

namespace TuneSharp.Peft;

/// <summary>What applying a method needs besides the model and options.</summary>
/// <param name="BaseModelNameOrPath">Written into adapter folders as base_model_name_or_path.</param>
/// <param name="Tokenizer">The model's tokenizer (prompt tuning's TEXT initialisation).</param>
public sealed record PeftContext(string? BaseModelNameOrPath, TextTokenizer? Tokenizer);

/// <summary>One fine-tuning method, as <see cref="PeftMethodTable"/> lists it.</summary>
public sealed record PeftMethodRegistration
{
    /// <summary>The method.</summary>
    public required PeftMethod Method { get; init; }

    /// <summary>Its name in settings (the <c>method</c> key): "lora", "prompt-tuning", ...</summary>
    public required string Name { get; init; }

    /// <summary>Other spellings accepted on reading ("prompt_tuning").</summary>
    public IReadOnlyList<string> Aliases { get; init; } = [];

    /// <summary>adapter_config.json's peft_type for methods that save an adapter folder; null for those that save the whole model.</summary>
    public string? PeftType { get; init; }

    /// <summary>Applies the method to a fresh task model.</summary>
    public required Func<ITaskModel, PeftOptions, PeftContext, PeftAppliedModel> Apply { get; init; }

    /// <summary>Applies a saved adapter folder to a fresh base task model and loads its weights (adapter methods only).</summary>
    public Func<ITaskModel, string, PeftAppliedModel>? LoadAdapter { get; init; }
}

/// <summary>
/// Every fine-tuning method in one table (as Hugging Face PEFT's method registry): settings names, adapter types and how
/// each is applied and loaded. Nothing else switches on the method.
/// </summary>
public static class PeftMethodTable
{
    /// <summary>The methods, in the order settings and help list them.</summary>
    public static IReadOnlyList<PeftMethodRegistration> All { get; } =
    [
        new()
        {
            Method = PeftMethod.Full, Name = "full",
            Apply = (model, _, _) => new(model, null),
        },
        new()
        {
            Method = PeftMethod.Freeze, Name = "freeze",
            Apply = (model, options, _) => { Freezing.Apply(model.Module, options.Freeze); return new(model, null); },
        },
        new()
        {
            Method = PeftMethod.BitFit, Name = "bitfit",
            Apply = (model, _, _) => { BitFitting.Apply(model.Module); return new(model, null); },
        },
        new()
        {
            Method = PeftMethod.Lora, Name = "lora", PeftType = "LORA",
            Apply = (model, options, context) => new(model, LoraModel.Apply(model, options.Lora, context.BaseModelNameOrPath)),
            LoadAdapter = (model, dir) => new(model, LoraModel.LoadAdapter(model.Module, dir)),
        },
        new()
        {
            Method = PeftMethod.Adapter, Name = "adapter", PeftType = BottleneckConfig.PeftType,
            Apply = (model, options, context) => new(model, BottleneckAdapterModel.Apply(model, options.Adapter, context.BaseModelNameOrPath)),
            LoadAdapter = (model, dir) => new(model, BottleneckAdapterModel.LoadAdapter(model, dir)),
        },
        new()
        {
            Method = PeftMethod.PromptTuning, Name = "prompt-tuning", Aliases = ["prompt_tuning"], PeftType = PromptTuningConfig.PeftType,
            // The task must call the wrapper, which puts the virtual tokens in front.
            Apply = (model, options, context) =>
            {
                var prompt = PromptTuningModel.Apply(model, options.PromptTuning, context.Tokenizer, context.BaseModelNameOrPath);
                return new(prompt.TaskModel, prompt);
            },
            LoadAdapter = (model, dir) =>
            {
                var prompt = PromptTuningModel.LoadAdapter(model, dir);
                return new(prompt.TaskModel, prompt);
            },
        },
    ];

    /// <summary>The registration of a method.</summary>
    public static PeftMethodRegistration For(PeftMethod method) => All.First(m => m.Method == method);

    /// <summary>The registration whose adapter folders carry <paramref name="peftType"/>, or null.</summary>
    public static PeftMethodRegistration? ForPeftType(string? peftType) => All.FirstOrDefault(m => m.PeftType is not null && m.PeftType == peftType);
}
