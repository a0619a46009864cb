using System.Text.RegularExpressions;
using TorchSharp;

namespace TuneSharp.Checkpoints;

/// <summary>Copies a checkpoint's tensors into a TorchSharp module's parameters and buffers.</summary>
public static class StateDictLoader
{
    /// <summary>
    /// Copies checkpoint tensors into the module's parameters and buffers (named as in
    /// <c>module.state_dict()</c>) in place, under no_grad, converting to each parameter's dtype and device.
    /// A module key absent from the checkpoint is looked up with <see cref="StateDictLoadOptions.BaseModelPrefix"/>
    /// + "." added, or removed. Nothing is copied when a shape mismatch throws.
    /// </summary>
    /// <returns>Missing, unexpected and mismatched keys, minus the ignored ones.</returns>
    /// <exception cref="CheckpointFormatException">
    /// Shapes differ and <see cref="StateDictLoadOptions.ThrowOnShapeMismatch"/> is true; the message names
    /// every such tensor with both shapes.
    /// </exception>
    public static LoadReport LoadInto(torch.nn.Module module, IReadOnlyDictionary<string, torch.Tensor> checkpoint, StateDictLoadOptions? options = null)
    {
        options ??= new StateDictLoadOptions();
        // The module's own name is transformers' class name for the generic task models ("BertForQuestionAnswering").
        var modelName = module.GetName() is { Length: > 0 } name ? name : module.GetType().Name;
        var ignoreMissing = Compile(options.IgnoreMissing, nameof(options.IgnoreMissing));
        var ignoreUnexpected = Compile(options.IgnoreUnexpected, nameof(options.IgnoreUnexpected));
        var stateDict = module.state_dict();

        // Plan first, copy after: a shape error must not leave the module half-loaded.
        var copies = new List<(torch.Tensor Target, torch.Tensor Source)>();
        var used = new HashSet<string>(StringComparer.Ordinal);
        var missing = new List<string>();
        var mismatched = new List<ShapeMismatch>();
        foreach (var (key, target) in stateDict)
        {
            var checkpointKey = FindCheckpointKey(key, checkpoint, options.BaseModelPrefix);
            if (checkpointKey is null)
            {
                if (!Matches(ignoreMissing, key)) missing.Add(key);
                continue;
            }
            used.Add(checkpointKey);
            var source = checkpoint[checkpointKey];
            if (!source.shape.SequenceEqual(target.shape))
            {
                mismatched.Add(new ShapeMismatch(key, source.shape, target.shape));
                continue;
            }
            copies.Add((target, source));
        }

        if (mismatched.Count > 0 && options.ThrowOnShapeMismatch)
            throw new CheckpointFormatException(
                $"Cannot load the checkpoint into {modelName}: {mismatched.Count} tensor(s) have a different shape in the checkpoint than in the model:\n"
                + string.Join("\n", mismatched.Select(m =>
                    $"- '{m.Name}': checkpoint {SafeTensorsDTypes.FormatShape(m.CheckpointShape)}, model {SafeTensorsDTypes.FormatShape(m.ModelShape)}"))
                + "\n(Check that the config matches the checkpoint, or pass ThrowOnShapeMismatch = false to keep those weights freshly initialised.)");

        using (torch.no_grad())
        {
            // copy_ converts dtype and device and keeps the parameter objects (and any optimizer references) intact.
            foreach (var (target, source) in copies)
                target.copy_(source);
        }

        var unexpected = checkpoint.Keys
            .Where(k => !used.Contains(k) && !Matches(ignoreUnexpected, k))
            .Order(StringComparer.Ordinal)
            .ToList();
        return new LoadReport(missing, unexpected, mismatched) { ModelName = modelName };
    }

    /// <summary>The exact key if present, else the key with the base-model prefix removed or added.</summary>
    private static string? FindCheckpointKey(string moduleKey, IReadOnlyDictionary<string, torch.Tensor> checkpoint, string? prefix)
    {
        if (checkpoint.ContainsKey(moduleKey)) return moduleKey;
        if (string.IsNullOrEmpty(prefix)) return null;
        var dotted = prefix + ".";
        var alternative = moduleKey.StartsWith(dotted, StringComparison.Ordinal) ? moduleKey[dotted.Length..] : dotted + moduleKey;
        return checkpoint.ContainsKey(alternative) ? alternative : null;
    }

    private static List<Regex> Compile(IReadOnlyList<string> patterns, string optionName)
    {
        var compiled = new List<Regex>();
        foreach (var pattern in patterns)
        {
            try { compiled.Add(new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1))); }
            catch (ArgumentException e) { throw new TuneSharpException($"StateDictLoadOptions.{optionName}: '{pattern}' is not a valid regular expression: {e.Message}", e); }
        }
        return compiled;
    }

    private static bool Matches(List<Regex> patterns, string key) => patterns.Any(p => p.IsMatch(key));
}
