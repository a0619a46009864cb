using System.Text.Json.Nodes;
using TuneSharp.Models;
using TuneSharp.Peft.Lora;
using TuneSharp.Tasks.SequenceClassification;
using TuneSharp.Tests.Cli;
using TuneSharp.Tests.Tasks.TextClassification;
using TuneSharp.Tests.Training;
using static TorchSharp.torch;

namespace TuneSharp.Tests.Peft;

/// <summary><c>tunesharp train --method ...</c> on a tiny BERT base and the synthetic "good"/"bad" data.</summary>
[Collection(TorchRandomCollection.Name)]
public class PeftCliTests : IDisposable
{
    private readonly TempDir _tmp = new();
    private readonly string _model;
    private readonly string _train;
    private readonly string _dev;

    public PeftCliTests()
    {
        _model = TinyTextClassification.BaseModelFolder(Path.Combine(_tmp.Path, "base"));
        _train = WriteTsv("train.tsv", TinyTextClassification.Dataset(120, seed: 3));
        _dev = WriteTsv("dev.tsv", TinyTextClassification.Dataset(40, seed: 77));
    }

    private string WriteTsv(string name, TuneSharp.Data.TextClassificationDataset data)
    {
        var path = _tmp.File(name);
        File.WriteAllLines(path, new[] { "text\tlabel" }.Concat(data.Examples.Select(e => $"{e.Text}\t{e.Label}")));
        return path;
    }

    private (int Code, string Out, string Err) Train(string output, int epochs, params string[] extra) => TrainWithLearningRate(output, epochs, 0.01, extra);

    private (int Code, string Out, string Err) TrainWithLearningRate(string output, int epochs, double learningRate, params string[] extra) => CliRunner.Run(
        ["train", "--model", _model, "--train", _train, "--validation", _dev, "--output", output, "--num-train-epochs", $"{epochs}",
         "--learning-rate", FormattableString.Invariant($"{learningRate}"), "--per-device-train-batch-size", "16", "--seed", "3", "--max-length", "32", .. extra]);

    [Fact]
    public void LoraRunSavesOnlyAPeftAdapterThatReproducesTheValidationMetrics()
    {
        var output = _tmp.File("lora");
        var (code, stdout, stderr) = Train(output, 6, "--method", "lora", "--lora-r", "4", "--lora-alpha", "8", "--lora-target-modules", "query,key,value", "--use-rslora");
        Assert.True(code == 0, stderr + stdout);
        Assert.Contains("trainable params: ", stdout + stderr);
        Assert.True(File.Exists(Path.Combine(output, AdapterWeights.FileName)));
        Assert.True(File.Exists(Path.Combine(output, "vocab.txt")));
        Assert.False(File.Exists(Path.Combine(output, "model.safetensors")));
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(output, AdapterConfig.FileName)))!.AsObject();
        Assert.Equal(4, config["r"]!.GetValue<int>());
        Assert.Equal(8, config["lora_alpha"]!.GetValue<int>());
        Assert.True(config["use_rslora"]!.GetValue<bool>());
        Assert.Equal(["key", "query", "value"], config["target_modules"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal(Path.GetFullPath(_model), Path.GetFullPath(config["base_model_name_or_path"]!.GetValue<string>()));

        // Base + adapter reproduces the run's final validation accuracy (the head and adapters came from the run).
        var runAccuracy = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "all_results.json")))!["eval_accuracy"]!.GetValue<double>();
        Assert.True(runAccuracy >= 0.9, $"LoRA run validation accuracy {runAccuracy}");
        var (classifier, _) = LoraModel.FromPretrained(_model, output, new SequenceClassificationOptions { NumLabels = 2 });
        using var module = classifier.Module;
        var data = TinyTextClassification.Dataset(40, seed: 77);
        var tokenizer = TinyTextClassification.Tokenizer(_tmp.Path);
        var encodings = tokenizer.EncodeBatch(data.Examples.Select(e => e.Text).ToList(), null,
            new TuneSharp.Tokenization.EncodeOptions { MaxLength = 32, Padding = TuneSharp.Tokenization.PaddingStrategy.Longest });
        var (ids, mask, types) = TuneSharp.Tokenization.EncodingTensors.ToTensors(encodings);
        using var noGrad = no_grad();
        var predicted = classifier.Forward(ids, mask, types).argmax(1).data<long>().ToArray();
        var accuracy = predicted.Zip(data.Examples).Count(p => (p.First == 1) == (p.Second.Label == "pos")) / (double)data.Count;
        Assert.Equal(runAccuracy, accuracy, 12);
    }

    [Fact]
    public void EvaluateAndPredictOpenTheAdapterFolderDirectly()
    {
        var output = _tmp.File("lora-eval");
        var (code, stdout, stderr) = Train(output, 6, "--method", "lora", "--lora-r", "4", "--lora-alpha", "8");
        Assert.True(code == 0, stderr + stdout);
        var runAccuracy = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "all_results.json")))!["eval_accuracy"]!.GetValue<double>();

        var metrics = _tmp.File("lora-metrics.json");
        var eval = TuneSharp.Tests.Cli.CliRunner.Run("evaluate", "--model", output, "--data", _dev, "--output", metrics);
        Assert.True(eval.ExitCode == 0, eval.Err);
        Assert.Equal(runAccuracy, JsonNode.Parse(File.ReadAllText(metrics))!["metrics"]!["eval_accuracy"]!.GetValue<double>(), 12);

        var inputs = _tmp.File("lora-inputs.txt");
        File.WriteAllLines(inputs, ["w1 good w2", "w3 bad"]);
        var predict = TuneSharp.Tests.Cli.CliRunner.Run("predict", "--model", output, "--input", inputs);
        Assert.True(predict.ExitCode == 0, predict.Err);
        var labels = predict.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!["label"]!.GetValue<string>());
        Assert.Equal(["pos", "neg"], labels);
    }

    [Fact]
    public void AdapterRunSavesABottleneckAdapterThatEvaluateReopens()
    {
        var output = _tmp.File("bottleneck");
        // Adapters act on the small sub-layer outputs of this random 16-wide model, so they need a larger step than LoRA here.
        var (code, stdout, stderr) = TrainWithLearningRate(output, 12, 0.05, "--method", "adapter", "--adapter-variant", "houlsby", "--adapter-reduction-factor", "2", "--adapter-non-linearity", "gelu");
        Assert.True(code == 0, stderr + stdout);
        Assert.Contains("Bottleneck adapters (Houlsby): 4 adapters, 8 wide", stdout + stderr);
        Assert.False(File.Exists(Path.Combine(output, "model.safetensors")));
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(output, TuneSharp.Peft.AdapterFiles.ConfigFileName)))!.AsObject();
        Assert.Equal("BOTTLENECK", config["peft_type"]!.GetValue<string>());
        Assert.Equal("gelu", config["non_linearity"]!.GetValue<string>());

        var runAccuracy = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "all_results.json")))!["eval_accuracy"]!.GetValue<double>();
        Assert.True(runAccuracy >= 0.9, $"adapter run validation accuracy {runAccuracy}" + stdout + stderr);
        var metrics = _tmp.File("bottleneck-metrics.json");
        var eval = TuneSharp.Tests.Cli.CliRunner.Run("evaluate", "--model", output, "--data", _dev, "--output", metrics);
        Assert.True(eval.ExitCode == 0, eval.Err);
        Assert.Equal(runAccuracy, JsonNode.Parse(File.ReadAllText(metrics))!["metrics"]!["eval_accuracy"]!.GetValue<double>(), 12);

        var merge = TuneSharp.Tests.Cli.CliRunner.Run("merge", "--model", _model, "--adapter", output, "--output", _tmp.File("bottleneck-merged"));
        Assert.NotEqual(0, merge.ExitCode);
        Assert.Contains("only LoRA adapters can be merged", merge.Err);
    }

    [Fact]
    public void PromptTuningRunSavesAPeftPromptAdapterThatEvaluateAndPredictReopen()
    {
        var output = _tmp.File("prompt");
        var (code, stdout, stderr) = TrainWithLearningRate(output, 10, 0.05, "--method", "prompt-tuning", "--num-virtual-tokens", "4",
            "--prompt-tuning-init", "text", "--prompt-tuning-init-text", "good or bad");
        Assert.True(code == 0, stderr + stdout);
        Assert.Contains("Prompt tuning: 4 virtual tokens, TEXT init from \"good or bad\"", stdout + stderr);
        Assert.Contains($"trainable params: {4 * 16 + 2 * 16 + 2:N0} ||", stdout + stderr); // 4 virtual tokens × 16 wide + the head
        Assert.False(File.Exists(Path.Combine(output, "model.safetensors")));
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(output, TuneSharp.Peft.AdapterFiles.ConfigFileName)))!.AsObject();
        Assert.Equal("PROMPT_TUNING", config["peft_type"]!.GetValue<string>());
        Assert.Equal(4, config["num_virtual_tokens"]!.GetValue<int>());

        var runAccuracy = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "all_results.json")))!["eval_accuracy"]!.GetValue<double>();
        var metrics = _tmp.File("prompt-metrics.json");
        var eval = TuneSharp.Tests.Cli.CliRunner.Run("evaluate", "--model", output, "--data", _dev, "--output", metrics);
        Assert.True(eval.ExitCode == 0, eval.Err);
        Assert.Equal(runAccuracy, JsonNode.Parse(File.ReadAllText(metrics))!["metrics"]!["eval_accuracy"]!.GetValue<double>(), 12);

        var (failed, _, error) = TrainWithLearningRate(_tmp.File("prompt-long"), 1, 0.05, "--method", "prompt-tuning", "--num-virtual-tokens", "40");
        Assert.NotEqual(0, failed); // the tiny BERT has 64 positions: max length 32 + 40 virtual tokens do not fit
        Assert.Contains("use a --max-length of at most 24", error);
    }

    [Fact]
    public void MergedModelPredictsLikeTheAdapter()
    {
        var output = _tmp.File("lora-merge");
        var (code, stdout, stderr) = Train(output, 6, "--method", "lora", "--lora-r", "4", "--lora-alpha", "8");
        Assert.True(code == 0, stderr + stdout);
        var merged = _tmp.File("merged");
        var merge = TuneSharp.Tests.Cli.CliRunner.Run("merge", "--model", _model, "--adapter", output, "--output", merged);
        Assert.True(merge.ExitCode == 0, merge.Err);
        Assert.True(File.Exists(Path.Combine(merged, "model.safetensors")));
        Assert.False(File.Exists(Path.Combine(merged, AdapterConfig.FileName)));
        Assert.DoesNotContain(TuneSharp.Checkpoints.ModelWeights.ReadInfos(merged), t => t.Name.Contains("lora_"));

        var texts = TinyTextClassification.Dataset(30, seed: 8).Examples.Select(e => e.Text).ToList();
        using var adapterPipeline = TuneSharp.Tasks.TextClassification.TextClassificationPipeline.FromPretrained(output);
        using var mergedPipeline = TuneSharp.Tasks.TextClassification.TextClassificationPipeline.FromPretrained(merged);
        var a = adapterPipeline.Predict(texts);
        var b = mergedPipeline.Predict(texts);
        for (var i = 0; i < texts.Count; i++)
        {
            Assert.Equal(a[i].Label, b[i].Label);
            Assert.Equal(a[i].Score, b[i].Score, 5); // merged W + scale·B·A vs the unmerged hook: equal up to float rounding
        }
    }

    [Fact]
    public void FreezeAndBitFitRunsTrainAndSaveFullModels()
    {
        foreach (var flags in new[] { new[] { "--method", "freeze", "--freeze-embeddings", "--freeze-layers", "1" }, ["--method", "bitfit"], ["--method", "freeze", "--train-only-head"] })
        {
            var output = _tmp.File(string.Join("_", flags).Replace("-", ""));
            var (code, stdout, stderr) = Train(output, 1, flags);
            Assert.True(code == 0, string.Join(" ", flags) + ": " + stderr + stdout);
            Assert.True(File.Exists(Path.Combine(output, "model.safetensors")));
        }
    }

    [Fact]
    public void FlagsOfAnotherMethodAreRejected()
    {
        var (code, _, stderr) = Train(_tmp.File("x"), 1, "--lora-r", "4");
        Assert.NotEqual(0, code);
        Assert.Contains("--lora-r", stderr);
        Assert.Contains("--method lora", stderr);
        (code, _, stderr) = Train(_tmp.File("y"), 1, "--method", "lora", "--lora-target-modules", "q_proj");
        Assert.NotEqual(0, code);
        Assert.Contains("not found in the base model", stderr);
        (code, _, stderr) = Train(_tmp.File("w"), 1, "--method", "lora", "--adapter-reduction-factor", "8");
        Assert.NotEqual(0, code);
        Assert.Contains("--adapter-reduction-factor applies only to --method adapter", stderr);
        (code, _, stderr) = Train(_tmp.File("v"), 1, "--method", "adapter", "--adapter-reduction-factor", "0");
        Assert.NotEqual(0, code);
        Assert.Contains("--adapter-reduction-factor must be at least 1", stderr);
        (code, _, stderr) = Train(_tmp.File("z"), 1, "--method", "freeze");
        Assert.NotEqual(0, code);
        Assert.Contains("freeze", stderr);
    }

    public void Dispose() => _tmp.Dispose();
}
