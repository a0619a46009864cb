using static TorchSharp.torch;

namespace TuneSharp.Training;

/// <summary>
/// Sum of per-example losses of one micro-batch and how many examples it covers. The trainer adds the sums of every
/// micro-batch of an optimizer step and divides by the total count, so accumulated gradients equal one large batch's.
/// </summary>
/// <param name="Sum">Scalar float32 tensor attached to the autograd graph.</param>
/// <param name="Count">Examples (or loss units, e.g. tokens) in the sum.</param>
public readonly record struct BatchLoss(Tensor Sum, long Count);

/// <summary>
/// What the <see cref="Trainer"/> needs from a task (text classification, token classification, causal LM...):
/// the model, batches of training example indices, the loss of a batch, evaluation, and saving. One trainer serves
/// every task; tasks own their data, tokenization and metrics.
/// </summary>
public interface ITrainingTask
{
    /// <summary>The model being trained. Parameters with requires_grad = false are frozen (left out of the optimizer).</summary>
    nn.Module Model { get; }

    /// <summary>Number of training examples.</summary>
    int TrainExampleCount { get; }

    /// <summary>Number of evaluation examples (0 when the task has no evaluation set).</summary>
    int EvalExampleCount { get; }

    /// <summary>
    /// Forward inputs of one evaluation: more than <see cref="EvalExampleCount"/> when long examples are cut into
    /// windows (what the resource planner counts evaluation work by).
    /// </summary>
    int EvalInputCount => EvalExampleCount;

    /// <summary>
    /// Bytes the task's head and loss hold at the peak of a training step of <paramref name="batch"/> rows padded to
    /// <paramref name="length"/> tokens, beyond what the layers keep (which the resource planner counts from the
    /// architecture): a language model's float32 logits over its vocabulary, for instance. 0 when negligible.
    /// </summary>
    long OutputActivationBytes(int batch, int length) => 0;

    /// <summary>
    /// The training batches of one epoch as lists of example indices (host side), in a random order derived only
    /// from <paramref name="seed"/> and <paramref name="epoch"/>; similar lengths grouped together when
    /// <paramref name="groupByLength"/> is set (see <see cref="BatchSampler"/>).
    /// </summary>
    IReadOnlyList<int[]> TrainBatches(int epoch, int batchSize, int seed, bool groupByLength);

    /// <summary>Runs the model on the training examples <paramref name="batch"/> and returns the SUM of their losses.</summary>
    BatchLoss ComputeLoss(int[] batch, double labelSmoothing);

    /// <summary>
    /// Evaluates the whole evaluation set (the trainer has put the model in eval mode under no_grad). Returns
    /// "eval_loss" (mean over examples) and the task's metrics with the "eval_" prefix. Each batch's outputs are
    /// moved to host arrays so nothing grows on the device.
    /// </summary>
    Dictionary<string, double> Evaluate(int batchSize, double labelSmoothing, CancellationToken ct);

    /// <summary>Writes the model (config.json, model.safetensors) and the tokenizer files into <paramref name="dir"/>.</summary>
    void Save(string dir);

    /// <summary>Loads the weights saved by <see cref="Save"/> in <paramref name="dir"/> into the current model, in place.</summary>
    void LoadModelWeights(string dir);
}
