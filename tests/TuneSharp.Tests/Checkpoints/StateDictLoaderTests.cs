using TorchSharp;
using TorchSharp.Modules;
using TuneSharp.Checkpoints;
using static TorchSharp.torch;
using static TuneSharp.Tests.Checkpoints.TensorTestUtil;

namespace TuneSharp.Tests.Checkpoints;

public class StateDictLoaderTests
{
    /// <summary>A base model: a Linear and a persistent buffer. State dict: proj.weight, proj.bias, scale.</summary>
    private sealed class TinyEncoder : nn.Module<Tensor, Tensor>
    {
        private readonly Linear proj = nn.Linear(4, 3);

        public TinyEncoder() : base(nameof(TinyEncoder))
        {
            RegisterComponents();
            register_buffer("scale", ones(3));
        }

        public override Tensor forward(Tensor x) => proj.forward(x);
    }

    /// <summary>The base model under "bert" plus a task head, as transformers' *ForSequenceClassification.</summary>
    private sealed class TinyClassifier : nn.Module<Tensor, Tensor>
    {
        private readonly TinyEncoder bert = new();
        private readonly Linear classifier = nn.Linear(3, 2);

        public TinyClassifier() : base(nameof(TinyClassifier)) => RegisterComponents();

        public override Tensor forward(Tensor x) => classifier.forward(bert.forward(x));
    }

    private static Dictionary<string, Tensor> EncoderCheckpoint(string prefix = "") => new()
    {
        [prefix + "proj.weight"] = arange(12, ScalarType.Float32).reshape(3, 4),
        [prefix + "proj.bias"] = tensor(new[] { 0.5f, -0.5f, 2f }),
        [prefix + "scale"] = tensor(new[] { 7f, 8f, 9f }),
    };

    private static float[] Values(nn.Module module, string key) => module.state_dict()[key].data<float>().ToArray();

    [Fact]
    public void MatchingKeysAreCopiedAndTheReportIsClean()
    {
        using var model = new TinyEncoder();
        var checkpoint = EncoderCheckpoint();
        try
        {
            var report = StateDictLoader.LoadInto(model, checkpoint);
            Assert.True(report.IsClean, report.ToString());
            Assert.Equal(Enumerable.Range(0, 12).Select(i => (float)i), Values(model, "proj.weight"));
            Assert.Equal(new[] { 0.5f, -0.5f, 2f }, Values(model, "proj.bias"));
            Assert.Equal(new[] { 7f, 8f, 9f }, Values(model, "scale"));
            // Copied in place: still the module's own trainable leaf parameters.
            var weight = model.parameters().First();
            Assert.True(weight.requires_grad);
            Assert.True(weight.is_leaf);
            Assert.Contains("All checkpoint weights were used when initializing TinyEncoder", report.ToString());
        }
        finally { DisposeAll(checkpoint.Values); }
    }

    [Fact]
    public void BareCheckpointLoadsIntoAPrefixedModelAndTheNewHeadIsMissing()
    {
        using var model = new TinyClassifier();
        var checkpoint = EncoderCheckpoint(); // sentence-transformers style: no "bert." prefix
        try
        {
            var report = StateDictLoader.LoadInto(model, checkpoint, new StateDictLoadOptions { BaseModelPrefix = "bert" });
            Assert.Equal(["classifier.weight", "classifier.bias"], report.MissingKeys);
            Assert.Empty(report.UnexpectedKeys);
            Assert.Equal(new[] { 7f, 8f, 9f }, Values(model, "bert.scale"));
            Assert.Equal(new[] { 0.5f, -0.5f, 2f }, Values(model, "bert.proj.bias"));
            Assert.Equal("Some weights of TinyClassifier were not initialized from the model checkpoint and are newly initialized: ['classifier.weight', 'classifier.bias']", report.ToString());

            var ignoring = StateDictLoader.LoadInto(model, checkpoint, new StateDictLoadOptions { BaseModelPrefix = "bert", IgnoreMissing = [@"^classifier\."] });
            Assert.True(ignoring.IsClean);
        }
        finally { DisposeAll(checkpoint.Values); }
    }

    [Fact]
    public void PrefixedCheckpointLoadsIntoABareModel()
    {
        using var model = new TinyEncoder();
        var checkpoint = EncoderCheckpoint("bert.");
        checkpoint["classifier.weight"] = zeros(2, 3);
        try
        {
            var withoutPrefix = StateDictLoader.LoadInto(model, checkpoint);
            Assert.Equal(["proj.weight", "proj.bias", "scale"], withoutPrefix.MissingKeys);

            var report = StateDictLoader.LoadInto(model, checkpoint, new StateDictLoadOptions { BaseModelPrefix = "bert" });
            Assert.Empty(report.MissingKeys);
            Assert.Equal(["classifier.weight"], report.UnexpectedKeys);
            Assert.Equal(new[] { 7f, 8f, 9f }, Values(model, "scale"));
            Assert.Equal("Some weights of the model checkpoint were not used when initializing TinyEncoder: ['classifier.weight']", report.ToString());
        }
        finally { DisposeAll(checkpoint.Values); }
    }

    [Fact]
    public void UnexpectedKeysCanBeIgnoredByRegex()
    {
        using var model = new TinyEncoder();
        var checkpoint = EncoderCheckpoint();
        checkpoint["pooler.dense.weight"] = zeros(3, 3);
        checkpoint["pooler.dense.bias"] = zeros(3);
        checkpoint["extra"] = zeros(1);
        try
        {
            var report = StateDictLoader.LoadInto(model, checkpoint, new StateDictLoadOptions { IgnoreUnexpected = [@"pooler\."] });
            Assert.Equal(["extra"], report.UnexpectedKeys);
            Assert.Empty(report.MissingKeys);
            Assert.False(report.IsClean);
        }
        finally { DisposeAll(checkpoint.Values); }
    }

    [Fact]
    public void ShapeMismatchThrowsNamingTheTensorAndBothShapesWithoutCopyingAnything()
    {
        using var model = new TinyEncoder();
        var before = Values(model, "proj.bias");
        var checkpoint = EncoderCheckpoint();
        checkpoint["proj.weight"].Dispose();
        checkpoint["proj.weight"] = zeros(5, 4);
        try
        {
            var e = Assert.Throws<CheckpointFormatException>(() => StateDictLoader.LoadInto(model, checkpoint));
            Assert.Contains("'proj.weight': checkpoint [5, 4], model [3, 4]", e.Message);
            Assert.Contains("TinyEncoder", e.Message);
            Assert.Equal(before, Values(model, "proj.bias")); // nothing was copied
        }
        finally { DisposeAll(checkpoint.Values); }
    }

    [Fact]
    public void ShapeMismatchCanBeReportedInsteadOfThrown()
    {
        using var model = new TinyEncoder();
        var before = Values(model, "proj.weight");
        var checkpoint = EncoderCheckpoint();
        checkpoint["proj.weight"].Dispose();
        checkpoint["proj.weight"] = zeros(5, 4);
        try
        {
            var report = StateDictLoader.LoadInto(model, checkpoint, new StateDictLoadOptions { ThrowOnShapeMismatch = false });
            var mismatch = Assert.Single(report.MismatchedKeys);
            Assert.Equal("proj.weight", mismatch.Name);
            Assert.Equal(new long[] { 5, 4 }, mismatch.CheckpointShape);
            Assert.Equal(new long[] { 3, 4 }, mismatch.ModelShape);
            Assert.Empty(report.MissingKeys);
            Assert.Empty(report.UnexpectedKeys);
            Assert.Equal(before, Values(model, "proj.weight")); // left as initialised
            Assert.Equal(new[] { 7f, 8f, 9f }, Values(model, "scale")); // the rest loaded
            Assert.Contains("- proj.weight: found shape [5, 4] in the checkpoint and [3, 4] in the model instantiated", report.ToString());
        }
        finally { DisposeAll(checkpoint.Values); }
    }

    [Fact]
    public void CheckpointDTypeIsConvertedToTheParameterDType()
    {
        using var model = new TinyEncoder();
        var checkpoint = new Dictionary<string, Tensor>
        {
            // bf16 0x3FC0 = 1.5, 0xC000 = -2; f16 0x3555 = 0.333251953125.
            ["proj.weight"] = FromBits(Enumerable.Repeat((ushort)0x3FC0, 12).ToArray(), ScalarType.BFloat16, 3, 4),
            ["proj.bias"] = FromBits([0xC000, 0x3555, 0x0000], ScalarType.Float16, 3),
            ["scale"] = tensor(new[] { 1.0, 2.0, 3.0 }),
        };
        try
        {
            Assert.True(StateDictLoader.LoadInto(model, checkpoint).IsClean);
            Assert.All(model.state_dict().Values, t => Assert.Equal(ScalarType.Float32, t.dtype));
            Assert.All(Values(model, "proj.weight"), v => Assert.Equal(1.5f, v));
            Assert.Equal(new[] { -2f, 0.333251953125f, 0f }, Values(model, "proj.bias"));
            Assert.Equal(new[] { 1f, 2f, 3f }, Values(model, "scale"));
        }
        finally { DisposeAll(checkpoint.Values); }
    }

    [Fact]
    public void InvalidIgnorePatternIsAUserError()
    {
        using var model = new TinyEncoder();
        var e = Assert.Throws<TuneSharpException>(() =>
            StateDictLoader.LoadInto(model, new Dictionary<string, Tensor>(), new StateDictLoadOptions { IgnoreMissing = ["(unclosed"] }));
        Assert.Contains("IgnoreMissing: '(unclosed' is not a valid regular expression", e.Message);
    }
}
