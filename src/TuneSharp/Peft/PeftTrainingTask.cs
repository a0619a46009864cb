using TuneSharp.Training;
using static TorchSharp.torch;

namespace TuneSharp.Peft;

/// <summary>
/// A training task whose checkpoints and final model are the adapter only (adapter_config.json,
/// adapter_model.safetensors) plus whatever <paramref name="writeExtraFiles"/> adds (e.g. tokenizer files), as
/// transformers' Trainer saves a PeftModel. Everything else is delegated to the wrapped task.
/// </summary>
/// <param name="inner">The task training the model that <paramref name="adapter"/> adapts.</param>
/// <param name="adapter">The adapter and modules to save.</param>
/// <param name="writeExtraFiles">Called with each save folder after the adapter is written; may be null.</param>
public sealed class PeftTrainingTask(ITrainingTask inner, IPeftAdapter adapter, Action<string>? writeExtraFiles = null) : ITrainingTask
{
    /// <summary>The adapter being trained.</summary>
    public IPeftAdapter Adapter => adapter;

    public nn.Module Model => inner.Model;
    public int TrainExampleCount => inner.TrainExampleCount;
    public int EvalExampleCount => inner.EvalExampleCount;
    public int EvalInputCount => inner.EvalInputCount;

    /// <inheritdoc/>
    public long OutputActivationBytes(int batch, int length) => inner.OutputActivationBytes(batch, length);

    public IReadOnlyList<int[]> TrainBatches(int epoch, int batchSize, int seed, bool groupByLength) =>
        inner.TrainBatches(epoch, batchSize, seed, groupByLength);

    public BatchLoss ComputeLoss(int[] batch, double labelSmoothing) => inner.ComputeLoss(batch, labelSmoothing);

    public Dictionary<string, double> Evaluate(int batchSize, double labelSmoothing, CancellationToken ct) =>
        inner.Evaluate(batchSize, labelSmoothing, ct);

    /// <summary>Writes the adapter (not the base model) and the extra files.</summary>
    public void Save(string dir)
    {
        adapter.SaveAdapter(dir);
        writeExtraFiles?.Invoke(dir);
    }

    /// <summary>Loads the adapter and head weights saved by <see cref="Save"/> back into the live parameters.</summary>
    public void LoadModelWeights(string dir) => adapter.LoadAdapterWeights(dir);
}
