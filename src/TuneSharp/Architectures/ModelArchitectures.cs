using TuneSharp.Architectures.Bert;
using TuneSharp.Architectures.DebertaV2;
using TuneSharp.Architectures.DistilBert;
using TuneSharp.Architectures.Electra;
using TuneSharp.Architectures.GptNeox;
using TuneSharp.Architectures.Gpt2;
using TuneSharp.Architectures.Llama;
using TuneSharp.Architectures.Roberta;
using TuneSharp.Models;

namespace TuneSharp.Architectures;

/// <summary>
/// The registered architectures (<see cref="ModelArchitecture"/>), by <c>model_type</c>. Everything that depends on the
/// architecture (config loading, task models, PEFT defaults, the planner) asks here instead of switching on types.
/// </summary>
public static class ModelArchitectures
{
    private static readonly List<ModelArchitecture> Registered =
    [
        BertArchitecture.Registration, RobertaArchitecture.Registration, RobertaArchitecture.XlmRoberta, RobertaArchitecture.Camembert,
        DistilBertArchitecture.Registration, ElectraArchitecture.Registration, DebertaV2Architecture.Registration,
        LlamaArchitecture.Registration, LlamaArchitecture.Qwen2, LlamaArchitecture.Mistral, GptNeoxArchitecture.Registration,
        Gpt2Architecture.Registration,
    ];

    /// <summary>Every registered architecture, in registration order.</summary>
    public static IReadOnlyList<ModelArchitecture> All
    {
        get { lock (Registered) return Registered.ToArray(); }
    }

    /// <summary>Adds an architecture, or replaces the one with the same model_type.</summary>
    public static void Register(ModelArchitecture architecture)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        lock (Registered)
        {
            Registered.RemoveAll(a => a.ModelType == architecture.ModelType);
            Registered.Add(architecture);
        }
    }

    /// <summary>The architecture of a model_type, or null.</summary>
    public static ModelArchitecture? Find(string modelType)
    {
        lock (Registered) return Registered.FirstOrDefault(a => a.ModelType == modelType);
    }

    /// <summary>
    /// The layer number of a parameter or module path inside a numbered transformer layer, by the first registered
    /// architecture whose <see cref="ModelArchitecture.LayerPattern"/> matches it; -1 outside every layer.
    /// </summary>
    public static int LayerIndex(string name)
    {
        foreach (var architecture in All)
            if (architecture.LayerPattern.Match(name) is { Success: true } match)
                return int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        return -1;
    }

    /// <summary>The model_types that have a head for <paramref name="task"/>.</summary>
    public static IReadOnlyList<string> WithTask(ModelTask task) => All.Where(a => a.Heads.ContainsKey(task)).Select(a => a.ModelType).ToList();

    /// <summary>The architecture of a config.</summary>
    /// <exception cref="TuneSharpException">Its model_type has a config class but no registered architecture.</exception>
    public static ModelArchitecture For(PretrainedConfig config) => Find(config.ModelType)
        ?? throw new TuneSharpException(
            $"{config.Source}: model_type \"{config.ModelType}\" has no architecture registered in TuneSharp (registered: {string.Join(", ", All.Select(a => a.ModelType))}).");
}
