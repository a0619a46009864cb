using TuneSharp.Peft;
using TuneSharp.Peft.Freeze;
using TuneSharp.Peft.Lora;
using TuneSharp.Tasks.SequenceClassification;
using TuneSharp.Tests.Tasks.TextClassification;
using TuneSharp.Tests.Training;
using TuneSharp.Training;

namespace TuneSharp.Tests.Peft;

[Collection(TorchRandomCollection.Name)]
public class PeftSetupTests
{
    [Fact]
    public void MethodNamesParseAndUnknownOnesAreRejected()
    {
        Assert.Equal(PeftMethod.Lora, PeftMethods.Parse("LoRA"));
        Assert.Equal(PeftMethod.BitFit, PeftMethods.Parse("bitfit"));
        Assert.Equal("freeze", PeftMethod.Freeze.ToName());
        Assert.Contains("full, freeze, bitfit, lora", Assert.Throws<PeftException>(() => PeftMethods.Parse("qlora")).Message);
    }

    [Fact]
    public void EachMethodSetsTheExpectedTrainableParameters()
    {
        int Trainable(PeftOptions options)
        {
            using var model = TinyTextClassification.Model();
            PeftSetup.Apply(model, options);
            return PeftTestSupport.Trainable(model).Count;
        }
        using var reference = TinyTextClassification.Model();
        var all = reference.named_parameters().Count();
        Assert.Equal(all, Trainable(new PeftOptions()));
        Assert.Equal(2, Trainable(new PeftOptions { Method = PeftMethod.Freeze, Freeze = new FreezeOptions { TrainOnlyHead = true } }));
        Assert.Equal(reference.named_parameters().Count(p => p.name.EndsWith(".bias") || p.name.StartsWith("classifier.")),
            Trainable(new PeftOptions { Method = PeftMethod.BitFit }));
        Assert.Equal(4 * 2 + 2, Trainable(new PeftOptions { Method = PeftMethod.Lora }));
        Assert.Throws<PeftException>(() => Trainable(new PeftOptions { Method = PeftMethod.Freeze }));
    }

    [Fact]
    public void ALoraTrainingTaskCheckpointsOnlyTheAdapterAndReloadsTheBest()
    {
        using var dir = new TempDir();
        using var model = TinyTextClassification.Model(initSeed: 11);
        var lora = (LoraModel)PeftSetup.Apply(model, new PeftOptions { Method = PeftMethod.Lora, Lora = new LoraOptions { R = 4 } }).Adapter!;
        var inner = TinyTextClassification.Task(model, dir.Path, TinyTextClassification.Dataset(32, seed: 1), TinyTextClassification.Dataset(16, seed: 2));
        var tokenizerDir = dir.Path;
        var task = new PeftTrainingTask(inner, lora, d => File.Copy(Path.Combine(tokenizerDir, "vocab.txt"), Path.Combine(d, "vocab.txt"), overwrite: true));
        var output = Path.Combine(dir.Path, "out");
        var trainer = new Trainer(task, new TrainingArguments
        {
            OutputDir = output, PerDeviceTrainBatchSize = 8, NumTrainEpochs = 2, LearningRate = 1e-2, Seed = 1,
            EvalStrategy = IntervalStrategy.Epoch, SaveStrategy = IntervalStrategy.Epoch, LoadBestModelAtEnd = true, MetricForBestModel = "accuracy",
        });
        var result = trainer.Train();
        Assert.Equal(8, result.GlobalStep);

        foreach (var folder in Directory.GetDirectories(output, "checkpoint-*").Append(output))
        {
            Assert.True(File.Exists(Path.Combine(folder, AdapterWeights.FileName)), folder);
            Assert.True(File.Exists(Path.Combine(folder, AdapterConfig.FileName)), folder);
            Assert.True(File.Exists(Path.Combine(folder, "vocab.txt")), folder);
            Assert.False(File.Exists(Path.Combine(folder, "model.safetensors")), folder);
        }

        // The final adapter reproduces the trained model's outputs on a fresh copy of the same base.
        var logits = PeftTestSupport.Logits(model);
        using var fresh = TinyTextClassification.Model(initSeed: 11);
        LoraModel.LoadAdapter(fresh, output);
        Assert.True(TinyTextClassification.Identical(logits, PeftTestSupport.Logits(fresh)));
    }
}
