using System.Text.RegularExpressions;
using TuneSharp.Architectures.Bert;
using TuneSharp.Models;
using TuneSharp.Tasks.SequenceClassification;

namespace TuneSharp.Architectures.Roberta;

/// <summary>
/// The RoBERTa family's registrations (see <see cref="ModelArchitecture"/>): <c>roberta</c>, <c>xlm-roberta</c> and
/// <c>camembert</c> share transformers' code, weight names (backbone under <c>roberta.</c>) and PEFT defaults, and
/// differ in class names only.
/// </summary>
public static class RobertaArchitecture
{
    // transformers' Roberta*For{Token Classification, Question Answering} and the sequence classifier are built without the
    // pooler and ignore a base checkpoint's. Declared first: static fields initialise in text order.
    private static readonly string[] Pooler = [@"^(roberta\.)?pooler\."];

    /// <summary>RoBERTa (<c>model_type: "roberta"</c>, RobertaFor*).</summary>
    public static ModelArchitecture Registration { get; } = Create("roberta", "Roberta");

    /// <summary>XLM-RoBERTa (<c>model_type: "xlm-roberta"</c>, XLMRobertaFor*).</summary>
    public static ModelArchitecture XlmRoberta { get; } = Create("xlm-roberta", "XLMRoberta");

    /// <summary>CamemBERT (<c>model_type: "camembert"</c>, CamembertFor*).</summary>
    public static ModelArchitecture Camembert { get; } = Create("camembert", "Camembert");

    private static ModelArchitecture Create(string modelType, string classPrefix) => new()
    {
        ModelType = modelType,
        ClassPrefix = classPrefix,
        CreateConfig = () => new RobertaConfig(modelType),
        CreateBackbone = (config, pooler) => new RobertaModel((RobertaConfig)config, addPoolingLayer: pooler),
        BaseModelPrefix = "roberta",
        // Buffers older checkpoints persist; both are computed instead.
        IgnoreOnLoad = [@"(^|\.)embeddings\.position_ids$", @"(^|\.)embeddings\.token_type_ids$"],
        LayerPattern = new Regex(@"(?:^|\.)encoder\.layer\.(\d+)\.", RegexOptions.CultureInvariant),
        // PEFT 0.10's TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING for roberta, xlm-roberta and camembert.
        DefaultLoraTargets = ["query", "value"],
        AdapterSites = new(@"attention\.output\.dense", @"output\.dense"),
        // The layers are BERT's, so they keep the same tensors for the backward pass.
        Activations = (config, batch, length) => BertArchitecture.Activations((BertConfig)config, batch, length),
        ApplyDropout = (config, hidden, attention) =>
        {
            var roberta = (RobertaConfig)config;
            if (hidden is { } h) roberta.HiddenDropoutProb = h;
            if (attention is { } a) roberta.AttentionProbsDropoutProb = a;
        },
        Heads = new Dictionary<ModelTask, TaskHead>
        {
            [ModelTask.SequenceClassification] = new()
            {
                Module = "classifier", WeightKey = "classifier.out_proj.weight", Dropout = BertArchitecture.HeadDropout, IgnoreOnLoad = Pooler,
                // RobertaClassificationHead: dense → tanh → out_proj on <s>.
                Create = config => new FirstTokenClassifier(config, "tanh"),
            },
            [ModelTask.TokenClassification] = new() { Module = "classifier", Dropout = BertArchitecture.HeadDropout, IgnoreOnLoad = Pooler },
            // RobertaForQuestionAnswering: no dropout before qa_outputs.
            [ModelTask.QuestionAnswering] = new() { Module = "qa_outputs", IgnoreOnLoad = Pooler },
        },
    };
}
