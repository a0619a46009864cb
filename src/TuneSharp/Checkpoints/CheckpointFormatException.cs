namespace TuneSharp.Checkpoints;

/// <summary>
/// A checkpoint file or model folder that cannot be read: a malformed safetensors header, out-of-range data
/// offsets, a broken shard index, or tensors whose shapes do not fit the model. The message names the file
/// (or tensor) and says what is wrong and what was expected.
/// </summary>
public class CheckpointFormatException : TuneSharpException
{
    public CheckpointFormatException(string message) : base(message) { }
    public CheckpointFormatException(string message, Exception inner) : base(message, inner) { }

    /// <summary>An error about one file: "Invalid safetensors file '&lt;path&gt;': &lt;detail&gt;".</summary>
    internal static CheckpointFormatException InFile(string path, string detail, Exception? inner = null)
    {
        var message = $"Invalid safetensors file '{path}': {detail}";
        return inner is null ? new CheckpointFormatException(message) : new CheckpointFormatException(message, inner);
    }
}
