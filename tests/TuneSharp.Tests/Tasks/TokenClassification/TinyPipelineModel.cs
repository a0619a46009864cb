using TuneSharp.Checkpoints;
using static TorchSharp.torch;

namespace TuneSharp.Tests.Tasks.TokenClassification;

/// <summary>
/// The tiny BertForTokenClassification of Fixtures/make_pipeline_fixtures.py (hidden 32, 2 layers, labels O, B-PER,
/// I-PER, B-LOC, I-LOC, B-ORG, I-ORG) with the all-MiniLM-L6-v2 vocabulary. Its word embeddings (30,522 × 32, 3.9 MB)
/// are not committed: they are a closed-form table that <see cref="WordEmbeddings"/> rebuilds bit for bit, and
/// <see cref="Folder"/> writes the whole model folder (config, full model.safetensors, MiniLM's tokenizer files).
/// </summary>
internal static class TinyPipelineModel
{
    public const string WordEmbeddingsKey = "bert.embeddings.word_embeddings.weight";

    public static string FixturesDir => Path.Combine(AppContext.BaseDirectory, "Tasks", "TokenClassification", "Fixtures");

    /// <summary>Writes the model folder into <paramref name="dir"/> and returns it; skips the test without ../shared.</summary>
    public static string Folder(string dir)
    {
        var minilm = SharedData.RequireModel("all-MiniLM-L6-v2");
        var source = Path.Combine(FixturesDir, "tiny_ner");
        Directory.CreateDirectory(dir);
        File.Copy(Path.Combine(source, "config.json"), Path.Combine(dir, "config.json"));
        foreach (var name in new[] { "vocab.txt", "tokenizer_config.json", "special_tokens_map.json" })
            File.Copy(Path.Combine(minilm, name), Path.Combine(dir, name));
        var weights = SafeTensors.Load(Path.Combine(source, "model_without_word_embeddings.safetensors"));
        try
        {
            weights[WordEmbeddingsKey] = WordEmbeddings(30522, 32);
            SafeTensors.Save(Path.Combine(dir, "model.safetensors"), weights);
        }
        finally
        {
            foreach (var tensor in weights.Values) tensor.Dispose();
        }
        return dir;
    }

    /// <summary>The script's word_embeddings(): a 32-bit hash of (row, column) scaled to [-0.05, 0.05), in float64, rounded once to float32.</summary>
    public static Tensor WordEmbeddings(int rows, int columns)
    {
        var values = new float[rows * columns];
        for (ulong i = 0; i < (ulong)rows; i++)
            for (ulong j = 0; j < (ulong)columns; j++)
            {
                const ulong mask = 0xFFFFFFFF;
                var x = (i * 2654435761UL + j * 40503UL + 12345UL) & mask;
                x = ((x ^ (x >> 15)) * 2246822519UL) & mask;
                x ^= x >> 13;
                values[i * (ulong)columns + j] = (float)((x / 4294967296.0 - 0.5) * 0.1);
            }
        return tensor(values, [rows, columns]);
    }
}
