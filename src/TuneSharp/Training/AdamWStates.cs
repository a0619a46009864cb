using TorchSharp.Modules;

namespace TuneSharp.Training;

/// <summary>
/// TorchSharp's AdamW keeps its per-parameter state in a list (state_dict().State) in parameter-group order, with no
/// link to the parameter; this pairs them up. The states are the optimizer's own objects (changes to them stick).
/// </summary>
internal static class AdamWStates
{
    /// <summary>A parameter, its AdamW state (null when the optimizer lists none at its position) and its group's options.</summary>
    public readonly record struct Entry(Parameter Parameter, AdamW.State? State, AdamW.Options Options);

    /// <summary>Every parameter of <paramref name="optimizer"/> in parameter-group order, with its state.</summary>
    public static List<Entry> InGroupOrder(AdamW optimizer)
    {
        var states = optimizer.state_dict().State;
        var entries = new List<Entry>();
        foreach (var group in optimizer.ParamGroups.Cast<ParamGroup>())
            foreach (var parameter in group.Parameters)
                entries.Add(new Entry(parameter, entries.Count < states.Count ? states[entries.Count] as AdamW.State : null, (AdamW.Options)group.Options));
        return entries;
    }
}
