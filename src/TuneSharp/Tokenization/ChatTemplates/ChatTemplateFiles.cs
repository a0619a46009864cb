using System.Text.Json;
using System.Text.Json.Nodes;

namespace TuneSharp.Tokenization.ChatTemplates;

/// <summary>
/// Records the chat template a model was fine-tuned with in its saved folder, where transformers'
/// <c>apply_chat_template</c> (and TuneSharp's <c>chat</c>) find it: the <c>chat_template</c> key of tokenizer_config.json.
/// A model trained with a built-in or a file template then talks in the same format wherever it is loaded.
/// </summary>
public static class ChatTemplateFiles
{
    /// <summary>The file the template goes into.</summary>
    public const string TokenizerConfigFile = "tokenizer_config.json";

    /// <summary>
    /// Sets <c>chat_template</c> to <paramref name="source"/> in <paramref name="dir"/>/tokenizer_config.json, keeping its
    /// other keys (a file with only that key when there is none).
    /// </summary>
    /// <exception cref="TuneSharpException">The existing tokenizer_config.json is not a JSON object.</exception>
    public static void Save(string dir, string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var path = Path.Combine(dir, TokenizerConfigFile);
        JsonObject config;
        if (File.Exists(path))
        {
            try { config = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new JsonException("not an object"); }
            catch (JsonException e) { throw new TuneSharpException($"{path}: not a JSON object ({e.Message}); cannot record the chat template in it."); }
        }
        else config = [];
        config["chat_template"] = source;
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        File.Move(temporary, path, overwrite: true);
    }
}
