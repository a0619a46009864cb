using System.Text.Json;
using System.Text.Json.Nodes;

namespace TuneSharp.Models;

/// <summary>
/// The <c>rope_scaling</c> object of a rotary decoder's config.json, as transformers reads it for Llama, Qwen2, Mistral
/// and GPT-NeoX: its type ("rope_type", or the older "type"), factor and the llama3 fields, their validation, and the
/// rotary frequencies they give. One set of rules for every architecture that has rotary positions.
/// </summary>
public static class RopeScaling
{
    /// <summary>"default" when <paramref name="scaling"/> is null or names no type; else the name written.</summary>
    /// <exception cref="InvalidOperationException">The type is not a string.</exception>
    public static string Type(JsonObject? scaling) => scaling is null ? "default"
        : (scaling["rope_type"] ?? scaling["type"])?.GetValue<string>() ?? "default";

    /// <summary>A numeric field of rope_scaling, or null when it (or the object) is absent.</summary>
    public static double? Number(JsonObject? scaling, string key) => scaling?[key] is JsonNode f ? f.GetValue<JsonElement>().GetDouble() : null;

    /// <summary>The <c>factor</c> (1 without scaling).</summary>
    public static double Factor(JsonObject? scaling) => Number(scaling, "factor") ?? 1.0;

    /// <summary>
    /// The tokens one input can hold: <paramref name="maxPositionEmbeddings"/>, or that times the factor with dynamic
    /// scaling, whose point is to run past the trained length (the factor is the stretch it was set for). Linear and
    /// llama3 checkpoints write their stretched length into max_position_embeddings themselves.
    /// </summary>
    public static int MaxPositions(JsonObject? scaling, int maxPositionEmbeddings) =>
        Type(scaling) == "dynamic" ? (int)Math.Floor(maxPositionEmbeddings * Factor(scaling)) : maxPositionEmbeddings;

    /// <summary>Where <see cref="MaxPositions"/> comes from, for messages.</summary>
    public static string MaxPositionsSource(JsonObject? scaling) =>
        Type(scaling) == "dynamic" ? "max_position_embeddings × rope_scaling.factor" : "max_position_embeddings";

    /// <summary>
    /// Refuses a rope_scaling this architecture cannot run, naming the field: a type outside <paramref name="supported"/>
    /// ("default", "linear", "dynamic", "llama3"), a missing or non-positive factor, llama3 without its three fields.
    /// </summary>
    public static void Validate(JsonObject? scaling, ConfigReader r, params string[] supported)
    {
        if (scaling is null) return;
        string type;
        try { type = Type(scaling); }
        catch (Exception e) when (e is InvalidOperationException or FormatException) { throw r.Error("rope_scaling", "needs a string \"rope_type\" (or \"type\")"); }
        if (type != "default" && !supported.Contains(type))
            throw r.Error("rope_scaling", $"has rope_type \"{type}\"; supported: none (null), \"default\", {string.Join(", ", supported.Select(s => $"\"{s}\""))}");
        if (type == "default") return;
        double Positive(string key)
        {
            double? value;
            try { value = Number(scaling, key); }
            catch (Exception e) when (e is InvalidOperationException or FormatException) { throw r.Error("rope_scaling", $"\"{key}\" must be a number"); }
            if (value is not { } v || v <= 0) throw r.Error("rope_scaling", $"\"{type}\" needs a positive numeric \"{key}\"");
            return v;
        }
        var factor = Positive("factor");
        if (type == "dynamic" && factor < 1) throw r.Error("rope_scaling", $"\"dynamic\" needs factor >= 1 (got {factor})");
        if (type != "llama3") return;
        var low = Positive("low_freq_factor");
        var high = Positive("high_freq_factor");
        Positive("original_max_position_embeddings");
        if (high <= low) throw r.Error("rope_scaling", $"\"llama3\" needs high_freq_factor ({high}) > low_freq_factor ({low})");
    }

    /// <summary>Unscaled rotary frequencies base^(-2i/D), i &lt; D/2, in double.</summary>
    public static double[] Frequencies(double theta, int dim) => Enumerable.Range(0, dim / 2).Select(i => 1.0 / Math.Pow(theta, 2.0 * i / dim)).ToArray();

    /// <summary>
    /// The rotary frequencies at positions within max_position_embeddings: <see cref="Frequencies"/>, rescaled by Llama
    /// 3.1's rule when the type is "llama3": a frequency whose wavelength 2π/f is shorter than
    /// original_max_position_embeddings / high_freq_factor is kept, one longer than original / low_freq_factor is divided
    /// by factor, and between the two the result blends linearly in original/wavelength from divided to kept. (Linear
    /// scaling divides positions instead; dynamic scaling changes the base per input length, see <see cref="RotaryEmbedding"/>.)
    /// </summary>
    public static double[] InverseFrequencies(JsonObject? scaling, double theta, int dim)
    {
        var frequencies = Frequencies(theta, dim);
        if (Type(scaling) != "llama3") return frequencies;
        var factor = Factor(scaling);
        var low = Number(scaling, "low_freq_factor")!.Value;
        var high = Number(scaling, "high_freq_factor")!.Value;
        var original = Number(scaling, "original_max_position_embeddings")!.Value;
        var (lowWavelength, highWavelength) = (original / low, original / high);
        return frequencies.Select(f =>
        {
            var wavelength = 2 * Math.PI / f;
            if (wavelength < highWavelength) return f;
            if (wavelength > lowWavelength) return f / factor;
            var smooth = (original / wavelength - low) / (high - low);
            return (1 - smooth) * f / factor + smooth * f;
        }).ToArray();
    }
}
