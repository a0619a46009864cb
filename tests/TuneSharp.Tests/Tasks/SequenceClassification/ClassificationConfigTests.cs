using System.Text.Json.Nodes;
using TuneSharp.Models;
using TuneSharp.Tasks.SequenceClassification;
using TuneSharp.Tests.Models;

namespace TuneSharp.Tests.Tasks.SequenceClassification;

/// <summary>Label options, problem_type and unsupported architectures.</summary>
public class ClassificationConfigTests
{
    [Fact]
    public void DefaultsAreTransformers()
    {
        var config = TinyModels.Bert();
        SequenceClassificationConfig.Apply(config, new() { NumLabels = 3 });
        Assert.Equal(new Dictionary<int, string> { [0] = "LABEL_0", [1] = "LABEL_1", [2] = "LABEL_2" }, config.Id2Label);
        Assert.Equal(2, config.Label2Id!["LABEL_2"]);
        Assert.Equal(ProblemType.SingleLabelClassification, SequenceClassificationConfig.ProblemTypeOf(config));

        var regression = TinyModels.Bert();
        SequenceClassificationConfig.Apply(regression, new() { NumLabels = 1 });
        Assert.Equal(ProblemType.Regression, SequenceClassificationConfig.ProblemTypeOf(regression));

        var unspecified = TinyModels.Llama();
        SequenceClassificationConfig.Apply(unspecified, new());
        Assert.Equal(2, SequenceClassificationConfig.NumLabels(unspecified));
    }

    [Fact]
    public void Label2IdAloneDefinesTheLabels()
    {
        var config = TinyModels.Bert();
        SequenceClassificationConfig.Apply(config, new() { Label2Id = new Dictionary<string, int> { ["spam"] = 1, ["ham"] = 0 } });
        Assert.Equal(new Dictionary<int, string> { [0] = "ham", [1] = "spam" }, config.Id2Label);
    }

    [Theory]
    [InlineData(3, new[] { 0, 1 }, "exactly the classes 0..2")]
    [InlineData(2, new[] { 0, 2 }, "[0, 2]")]
    public void Id2LabelMustNameEveryClass(int numLabels, int[] ids, string expected)
    {
        var options = new SequenceClassificationOptions { NumLabels = numLabels, Id2Label = ids.ToDictionary(i => i, i => $"c{i}") };
        var error = Assert.Throws<SequenceClassificationException>(() => SequenceClassificationConfig.Apply(TinyModels.Bert(), options));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void DisagreeingId2LabelAndLabel2IdAreRejected()
    {
        var options = new SequenceClassificationOptions
        {
            Id2Label = new Dictionary<int, string> { [0] = "no", [1] = "yes" },
            Label2Id = new Dictionary<string, int> { ["no"] = 1, ["yes"] = 0 },
        };
        var error = Assert.Throws<SequenceClassificationException>(() => SequenceClassificationConfig.Apply(TinyModels.Bert(), options));
        Assert.Contains("disagree", error.Message);
    }

    [Fact]
    public void ProblemTypeRoundTripsThroughConfigJson()
    {
        var config = TinyModels.Bert();
        SequenceClassificationConfig.Apply(config, new() { NumLabels = 4, ProblemType = ProblemType.MultiLabelClassification });
        var json = JsonNode.Parse(config.ToJson())!.AsObject();
        Assert.Equal("multi_label_classification", json["problem_type"]!.GetValue<string>());

        var reread = PretrainedConfig.FromJson(config.ToJson());
        Assert.Equal(ProblemType.MultiLabelClassification, SequenceClassificationConfig.ProblemTypeOf(reread));
        Assert.Equal(4, SequenceClassificationConfig.NumLabels(reread));

        // A saved problem_type survives re-applying options that do not set one.
        SequenceClassificationConfig.Apply(reread, new());
        Assert.Equal(ProblemType.MultiLabelClassification, SequenceClassificationConfig.ProblemTypeOf(reread));
    }

    [Fact]
    public void UnknownProblemTypeNamesTheAcceptedValues()
    {
        var config = PretrainedConfig.FromJson("""{"model_type": "bert", "problem_type": "ranking"}""", "x/config.json");
        var error = Assert.Throws<SequenceClassificationException>(() => SequenceClassificationConfig.ProblemTypeOf(config));
        Assert.Contains("\"ranking\"", error.Message);
        Assert.Contains("multi_label_classification", error.Message);
        Assert.Contains("x/config.json", error.Message);
    }

    [Fact]
    public void ModelTypesWithoutAClassifierAreRejectedWithTheSupportedList()
    {
        // A config type this library can read but has no classifier for (registered under a name no real model uses).
        PretrainedConfig.Register(NoClassifierConfig.Type, () => new NoClassifierConfig());
        using var dir = new TempDir();
        File.WriteAllText(dir.File("config.json"), $$"""{"model_type": "{{NoClassifierConfig.Type}}"}""");
        var error = Assert.Throws<SequenceClassificationException>(() => SequenceClassifierFactory.FromPretrained(dir.Path, new() { NumLabels = 2 }));
        Assert.Contains(NoClassifierConfig.Type, error.Message);
        Assert.Contains("supported: " + string.Join(", ", SequenceClassifierFactory.SupportedModelTypes), error.Message);
        Assert.Contains("roberta", error.Message);
    }

    private sealed class NoClassifierConfig : PretrainedConfig
    {
        public const string Type = "tunesharp-test-no-classifier";
        public override string ModelType => Type;
        public override int MaxPositions => 512;
        public override int HiddenSize { get; set; } = 8;
        public override int NumHiddenLayers { get; set; } = 1;
        public override int NumAttentionHeads { get; set; } = 1;
        public override int VocabSize { get; set; } = 16;
        public override double InitializerRange { get; set; } = 0.02;
        protected override void ReadFields(ConfigReader reader) { }
        protected override void WriteFields(JsonObject json) { }
    }
}
