using TuneSharp.Architectures;
using TuneSharp.Checkpoints;
using TuneSharp.Models;
using TuneSharp.Peft.Lora;
using TuneSharp.Tasks.QuestionAnswering;
using TuneSharp.Tasks.SequenceClassification;
using TuneSharp.Tasks.TokenClassification;
using TuneSharp.Tests.Models;
using static TorchSharp.torch;

namespace TuneSharp.Tests.Architectures;

/// <summary>
/// One invariant suite run on every registered architecture and every fine-tuning head it registers (sequence and token
/// classification, question answering): a new
/// architecture joins by registration and must pass it (a model_type without a tiny config here fails, naming itself).
/// </summary>
public sealed class ArchitectureInvariantTests : IDisposable
{
    private static readonly Dictionary<int, string> Labels = new() { [0] = "O", [1] = "B-X", [2] = "I-X" };
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private static readonly ModelTask[] FineTuningTasks = [ModelTask.SequenceClassification, ModelTask.TokenClassification, ModelTask.QuestionAnswering];

    /// <summary>Every (model_type, task) pair with a fine-tuning head.</summary>
    public static TheoryData<string, ModelTask> Heads()
    {
        var data = new TheoryData<string, ModelTask>();
        foreach (var architecture in ModelArchitectures.All)
            foreach (var task in architecture.Heads.Keys.Where(FineTuningTasks.Contains))
                data.Add(architecture.ModelType, task);
        return data;
    }

    /// <summary>Every model_type's per-token heads (token classification, question answering).</summary>
    public static TheoryData<string, ModelTask> TokenHeads()
    {
        var data = new TheoryData<string, ModelTask>();
        foreach (var architecture in ModelArchitectures.All)
            foreach (var task in architecture.Heads.Keys.Where(t => t is ModelTask.TokenClassification or ModelTask.QuestionAnswering))
                data.Add(architecture.ModelType, task);
        return data;
    }

    [Fact]
    public void Bert_registers_qa_outputs_as_its_question_answering_head()
    {
        var bert = ModelArchitectures.Find("bert")!.Head(ModelTask.QuestionAnswering);
        Assert.Equal("qa_outputs.weight", bert.WeightKey);
    }

    [Fact]
    public void Every_registered_architecture_has_both_classification_heads_and_a_tiny_config_here()
    {
        foreach (var architecture in ModelArchitectures.All)
        {
            Assert.NotNull(TinyConfig(architecture.ModelType));
            Assert.Contains(ModelTask.SequenceClassification, architecture.Heads.Keys);
            Assert.Contains(ModelTask.TokenClassification, architecture.Heads.Keys);
            Assert.Equal(architecture.ModelType, architecture.CreateConfig().ModelType);
        }
        Assert.Equal(["bert", "camembert", "deberta-v2", "distilbert", "electra", "gpt2", "gpt_neox", "llama", "mistral", "qwen2", "roberta", "xlm-roberta"], ModelArchitectures.All.Select(a => a.ModelType).Order());
    }

    [Theory]
    [MemberData(nameof(Heads))]
    public void Save_then_load_gives_identical_outputs_and_state_dict_names_round_trip(string modelType, ModelTask task)
    {
        var architecture = ModelArchitectures.Find(modelType)!;
        var baseDir = BaseFolder(modelType);
        var (model, report) = Load(baseDir, task);
        // A base checkpoint gives everything but the head, under transformers' names.
        var head = architecture.Head(task);
        Assert.All(report.MissingKeys, k => Assert.True(head.Owns(k), $"{k} should have come from the base checkpoint"));
        Assert.Contains(head.WeightKey, report.MissingKeys);
        Assert.Empty(report.UnexpectedKeys);
        Assert.All(model.Module.state_dict().Keys, k =>
            Assert.True(k.StartsWith(architecture.BaseModelPrefix + ".", StringComparison.Ordinal) || head.Owns(k), $"{k} is neither backbone nor head"));

        var saved = _tmp.File($"saved-{modelType}-{task}");
        model.SavePretrained(saved);
        Assert.Equal(architecture.ClassName(task), PretrainedConfig.Load(saved).Architectures!.Single());
        Assert.Equal(model.Module.state_dict().Keys.Order(), ModelWeights.ReadInfos(saved).Select(i => i.Name).Order());
        var (reloaded, reloadReport) = Load(saved, task);
        Assert.True(reloadReport.IsClean, reloadReport.ToString());

        var (ids, mask) = Batch();
        using var a = Logits(model, ids, mask);
        using var b = Logits(reloaded, ids, mask);
        Assert.True(GoldenFiles.Identical(a, b), $"max diff {GoldenFiles.MaxAbsDiff(a, b)}");
    }

    /// <summary>
    /// Per-token outputs only: BERT's sequence classifier pools the first position ([CLS]), so it needs right padding, as its
    /// tokenizer pads (transformers behaves the same); Llama's pools the last real token by the mask and passes either way.
    /// </summary>
    [Theory]
    [MemberData(nameof(TokenHeads))]
    public void Padding_side_changes_no_real_tokens_output(string modelType, ModelTask task)
    {
        var (model, _) = Load(BaseFolder(modelType), task);
        // Row 1 has 3 real tokens of 5: once padded on the right, once on the left.
        var right = tensor(new long[] { 5, 6, 7, 8, 9, 5, 6, 7, 0, 0 }, [2, 5]);
        var rightMask = tensor(new long[] { 1, 1, 1, 1, 1, 1, 1, 1, 0, 0 }, [2, 5]);
        var left = tensor(new long[] { 5, 6, 7, 8, 9, 0, 0, 5, 6, 7 }, [2, 5]);
        var leftMask = tensor(new long[] { 1, 1, 1, 1, 1, 0, 0, 1, 1, 1 }, [2, 5]);
        using var r = Logits(model, right, rightMask);
        using var l = Logits(model, left, leftMask);
        Assert.True(r[1, ..3].allclose(l[1, 2..], rtol: 0, atol: 1e-5), "real tokens' logits moved with the padding side");
        Assert.True(r[0].allclose(l[0], rtol: 0, atol: 0), "an unpadded row is the same either way");
    }

    [Theory]
    [MemberData(nameof(Heads))]
    public void A_fresh_lora_adapter_equals_the_base_model_and_trains_the_registered_head(string modelType, ModelTask task)
    {
        var (model, _) = Load(BaseFolder(modelType), task);
        var (ids, mask) = Batch();
        using var before = Logits(model, ids, mask);
        var lora = LoraModel.Apply(model, new LoraOptions { R = 2 });
        using var after = Logits(model, ids, mask);
        Assert.True(GoldenFiles.Identical(before, after), "LoRA's B starts at zero, so the adapted model is the base model");
        var head = ModelArchitectures.Find(modelType)!.Head(task);
        Assert.Equal(head.Modules, lora.ModulesToSave);
        Assert.Equal(task, lora.Task);
        Assert.All(model.Module.named_parameters().Where(p => head.Owns(p.name)), p => Assert.True(p.parameter.requires_grad, $"{p.name} is frozen"));
    }

    /// <summary>Every method of the PEFT table, on every head: the registered head always trains (a method never freezes it silently).</summary>
    [Theory]
    [MemberData(nameof(Heads))]
    public void Every_fine_tuning_method_leaves_the_registered_head_trainable(string modelType, ModelTask task)
    {
        var head = ModelArchitectures.Find(modelType)!.Head(task);
        foreach (var method in TuneSharp.Peft.PeftMethodTable.All)
        {
            var (model, _) = Load(BaseFolder(modelType), task);
            var options = new TuneSharp.Peft.PeftOptions { Method = method.Method };
            if (method.Method == TuneSharp.Peft.PeftMethod.Freeze) options = options with { Freeze = new TuneSharp.Peft.Freeze.FreezeOptions { FreezeLayers = 1 } };
            var applied = TuneSharp.Peft.PeftSetup.Apply(model, options);
            var headParameters = model.Module.named_parameters().Where(p => head.Owns(p.name)).ToList();
            Assert.NotEmpty(headParameters);
            Assert.All(headParameters, p => Assert.True(p.parameter.requires_grad, $"{method.Name}: {p.name} is frozen"));
            Assert.Equal(task, applied.Model.Task);
            if (applied.Adapter is { } adapter)
            {
                var saved = _tmp.File($"adapter-{modelType}-{task}-{method.Name}");
                adapter.SaveAdapter(saved);
                var config = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(saved, TuneSharp.Peft.AdapterFiles.ConfigFileName)))!;
                Assert.Equal(task.PeftTaskType(), config["task_type"]!.GetValue<string>());
                var tensors = SafeTensors.ReadHeader(Path.Combine(saved, "adapter_model.safetensors")).Tensors.Select(t => t.Name).ToList();
                Assert.Contains(tensors, n => n.EndsWith(head.WeightKey, StringComparison.Ordinal));
            }
        }
    }

    /// <summary>
    /// freeze_embeddings freezes every architecture's input embedding tables, whatever it names them (BERT's embeddings.*,
    /// Llama's embed_tokens, GPT-NeoX's embed_in, GPT-2's wte and wpe: GPT-2's were missed and trained silently), and
    /// nothing inside the layers or the head.
    /// </summary>
    [Theory]
    [MemberData(nameof(Heads))]
    public void Freeze_embeddings_freezes_the_input_embeddings_of_every_architecture(string modelType, ModelTask task)
    {
        var (model, _) = Load(BaseFolder(modelType), task);
        var architecture = ModelArchitectures.Find(modelType)!;
        var frozen = TuneSharp.Peft.PeftSetup.Apply(model, new TuneSharp.Peft.PeftOptions
        {
            Method = TuneSharp.Peft.PeftMethod.Freeze, Freeze = new TuneSharp.Peft.Freeze.FreezeOptions { FreezeEmbeddings = true },
        });
        Assert.False(model.InputEmbeddings.weight!.requires_grad, $"{modelType}: the word embeddings still train");
        var parameters = model.Module.named_parameters().ToList();
        var lookups = model.Module.named_modules().Where(m => m.module is TorchSharp.Modules.Embedding && architecture.LayerPattern.Match(m.name) is { Success: false })
            .Select(m => m.name + ".weight").ToHashSet();
        // Every lookup table of the input side is frozen (DeBERTa's relative table belongs to its encoder and keeps training).
        Assert.All(parameters.Where(p => lookups.Contains(p.name) && !p.name.Contains("rel_embeddings", StringComparison.Ordinal)),
            p => Assert.False(p.parameter.requires_grad, $"{p.name} still trains"));
        Assert.All(parameters.Where(p => architecture.LayerPattern.IsMatch(p.name) || architecture.Head(task).Owns(p.name)),
            p => Assert.True(p.parameter.requires_grad, $"{p.name} was frozen"));
    }

    /// <summary>freeze_layers finds every architecture's numbered layers by its registered pattern (encoder.layer.N, transformer.layer.N, layers.N).</summary>
    [Theory]
    [MemberData(nameof(Heads))]
    public void Freeze_layers_freezes_exactly_the_first_layers_by_the_registered_pattern(string modelType, ModelTask task)
    {
        var (model, _) = Load(BaseFolder(modelType), task);
        var architecture = ModelArchitectures.Find(modelType)!;
        TuneSharp.Peft.PeftSetup.Apply(model, new TuneSharp.Peft.PeftOptions
        {
            Method = TuneSharp.Peft.PeftMethod.Freeze, Freeze = new TuneSharp.Peft.Freeze.FreezeOptions { FreezeLayers = 1 },
        });
        var parameters = model.Module.named_parameters().ToList();
        var inLayers = parameters.Where(p => architecture.LayerPattern.IsMatch(p.name)).ToList();
        Assert.NotEmpty(inLayers);
        Assert.All(inLayers, p => Assert.Equal(ModelArchitectures.LayerIndex(p.name) >= 1, p.parameter.requires_grad));
        Assert.Contains(inLayers, p => !p.parameter.requires_grad);
        Assert.Contains(inLayers, p => p.parameter.requires_grad);
    }

    private string BaseFolder(string modelType)
    {
        var dir = _tmp.File("base-" + modelType);
        if (Directory.Exists(dir)) return dir;
        var architecture = ModelArchitectures.Find(modelType)!;
        var config = TinyConfig(modelType)!;
        manual_seed(3);
        // Held (and disposed) to the end: once unreachable, a module's finalizer frees the tensors its state_dict shares,
        // which a garbage collection in the middle of the save turned into "Tensor invalid -- empty handle".
        using var backbone = architecture.CreateBackbone(config, true).Module;
        config.Save(dir);
        // In transformers' layout, as a base checkpoint is (GPT-2's Conv1D weights [in, out]).
        ModelWeights.Save(dir, backbone.state_dict(), transposedWeights: architecture.TransposedWeights);
        return dir;
    }

    private static (ITaskModel Model, LoadReport Report) Load(string dir, ModelTask task)
    {
        manual_seed(7);
        var options = new SequenceClassificationOptions { Id2Label = Labels };
        return task switch
        {
            ModelTask.TokenClassification => TokenClassifierFactory.FromPretrained(dir, options),
            ModelTask.QuestionAnswering => QuestionAnsweringModelFactory.FromPretrained(dir, options),
            _ => SequenceClassifierFactory.FromPretrained(dir, options),
        };
    }

    private static (Tensor Ids, Tensor Mask) Batch() =>
        (tensor(new long[] { 5, 6, 7, 8, 9, 10, 11, 12 }, [2, 4]), tensor(new long[] { 1, 1, 1, 1, 1, 1, 1, 0 }, [2, 4]));

    private static Tensor Logits(ITaskModel model, Tensor ids, Tensor mask)
    {
        using var noGrad = no_grad();
        return model switch
        {
            ITokenClassifier token => token.Forward(ids, mask, null),
            ISequenceClassifier sequence => sequence.Forward(ids, mask, null),
            IQuestionAnsweringModel qa => Spans(qa.Forward(ids, mask, null)),
            _ => throw new InvalidOperationException(model.GetType().Name),
        };
    }

    // [B, T, 2]: start and end logits side by side, so per-token checks treat them as two labels.
    private static Tensor Spans((Tensor Start, Tensor End) logits)
    {
        using (logits.Start) using (logits.End) return stack([logits.Start, logits.End], -1);
    }

    // Tiny configs by model_type; a newly registered architecture must add one here.
    private static PretrainedConfig? TinyConfig(string modelType) => modelType switch
    {
        "bert" => TinyModels.Bert(dropout: 0.0),
        "llama" => TinyModels.Llama(tied: false),
        "qwen2" or "mistral" => TinyModels.LlamaVariant(modelType),
        "gpt_neox" => TinyModels.GptNeox(),
        "gpt2" => TinyModels.Gpt2(tied: false),
        "roberta" or "xlm-roberta" or "camembert" => TinyModels.Roberta(modelType, dropout: 0.0),
        "distilbert" => TinyModels.DistilBert(dropout: 0.0),
        "electra" => TinyModels.Electra(dropout: 0.0),
        "deberta-v2" => TinyModels.DebertaV2(dropout: 0.0),
        _ => null,
    };
}
