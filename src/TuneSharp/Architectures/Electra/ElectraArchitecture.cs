using System.Text.RegularExpressions;
using TuneSharp.Architectures.Bert;
using TuneSharp.Models;
using TuneSharp.Tasks.SequenceClassification;

namespace TuneSharp.Architectures.Electra;

/// <summary>ELECTRA's registration (<c>model_type: "electra"</c>, the discriminator): see <see cref="ModelArchitecture"/>.</summary>
public static class ElectraArchitecture
{
    /// <summary>What TuneSharp knows about ELECTRA.</summary>
    public static ModelArchitecture Registration { get; } = new()
    {
        ModelType = "electra",
        ClassPrefix = "Electra",
        CreateConfig = () => new ElectraConfig(),
        // ELECTRA has no pooler.
        CreateBackbone = (config, _) => new ElectraModel((ElectraConfig)config),
        BaseModelPrefix = "electra",
        // Computed buffers older files persist, and the pre-training heads of google's discriminator / generator checkpoints.
        IgnoreOnLoad = [@"(^|\.)embeddings\.position_ids$", @"^discriminator_predictions\.", @"^generator_(predictions|lm_head)\."],
        LayerPattern = new Regex(@"(?:^|\.)encoder\.layer\.(\d+)\.", RegexOptions.CultureInvariant),
        // PEFT 0.10's TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING["electra"].
        DefaultLoraTargets = ["query", "value"],
        AdapterSites = new(@"attention\.output\.dense", @"output\.dense"),
        // BERT's layers, so BERT's saved tensors (the embedding projection is small beside them).
        Activations = (config, batch, length) => BertArchitecture.Activations((BertConfig)config, batch, length),
        ApplyDropout = (config, hidden, attention) =>
        {
            var electra = (ElectraConfig)config;
            if (hidden is { } h) electra.HiddenDropoutProb = h;
            if (attention is { } a) electra.AttentionProbsDropoutProb = a;
        },
        Heads = new Dictionary<ModelTask, TaskHead>
        {
            // ElectraClassificationHead: dense → GELU → out_proj on [CLS].
            [ModelTask.SequenceClassification] = new()
            {
                Module = "classifier", WeightKey = "classifier.out_proj.weight", Dropout = BertArchitecture.HeadDropout,
                Create = config => new FirstTokenClassifier(config, "gelu"),
            },
            [ModelTask.TokenClassification] = new() { Module = "classifier", Dropout = BertArchitecture.HeadDropout },
            [ModelTask.QuestionAnswering] = new() { Module = "qa_outputs" },
        },
    };
}
