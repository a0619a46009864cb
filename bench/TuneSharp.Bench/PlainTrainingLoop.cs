using TuneSharp.Tasks.SequenceClassification;
using TuneSharp.Tokenization;
using TuneSharp.Training;
using static TorchSharp.torch;

namespace TuneSharp.Bench;

/// <summary>
/// A hand-written TorchSharp fine-tuning loop (no Trainer, no recipe) over SST-2 sentences, reporting every step to a
/// <see cref="ITrainerCallback"/>. leak-check runs it to tell whether memory growth comes from the library's training
/// path or from below it (TorchSharp / libtorch).
/// </summary>
internal static class PlainTrainingLoop
{
    /// <param name="padToMax">pad every batch to <paramref name="maxLength"/> (one shape) instead of to its longest sentence.</param>
    public static void Run(string modelDir, IReadOnlyList<Sst2Row> train, int steps, int batch, int maxLength, bool padToMax, ITrainerCallback callback)
    {
        manual_seed(42);
        var (model, _) = SequenceClassifierFactory.FromPretrained(modelDir, new SequenceClassificationOptions { NumLabels = 2 });
        TuneSharp.Inference.TorchThreads.ConfigureFor(model.Module.parameters().Sum(p => p.numel()));
        var tokenizer = TextTokenizer.FromPretrained(modelDir);
        var options = new EncodeOptions { MaxLength = maxLength, Truncation = TruncationStrategy.LongestFirst };
        var encodings = train.Select(r => tokenizer.Encode(r.Sentence, null, options)).ToArray();
        var ids = encodings.Select(e => e.InputIds).ToArray();
        var types = encodings.Select(e => e.TokenTypeIds).ToArray();
        var padId = tokenizer.SpecialTokens.PadId ?? 0;

        using var optimizer = optim.AdamW(model.Module.parameters(), 5e-5, weight_decay: 0.01);
        model.Module.train();
        callback.OnTrainBegin(steps);
        var random = new Random(42);
        var batches = new Queue<int[]>();
        for (var step = 1; step <= steps; step++)
        {
            if (batches.Count == 0)
            {
                var order = Enumerable.Range(0, train.Count).ToArray();
                random.Shuffle(order);
                foreach (var rows in order.Chunk(batch)) batches.Enqueue(rows);
            }
            var batchRows = batches.Dequeue();
            using var scope = NewDisposeScope();
            var (i, a, t) = PaddedBatch.Of(ids, types, batchRows, padId, padToMax ? maxLength : 0).ToTensors();
            var labels = tensor(batchRows.Select(r => (long)train[r].Label).ToArray());
            var loss = nn.functional.cross_entropy(model.Forward(i, a, t), labels);
            optimizer.zero_grad();
            loss.backward();
            nn.utils.clip_grad_norm_(model.Module.parameters(), 1.0);
            optimizer.step();
            callback.OnStep(step, loss.item<float>(), 5e-5, 0, TimeSpan.Zero);
        }
        model.Module.Dispose();
    }
}
