using System.Text.Json;
using TuneSharp.Data;
using TuneSharp.Tasks.QuestionAnswering;

namespace TuneSharp.Tests.Tasks.QuestionAnswering;

/// <summary>
/// The post-processing cross-check: on the same windows and start/end logits, TuneSharp chooses the answers that the
/// reference implementation of transformers' utils_qa post-processing chose in the reference environment
/// (<c>Interop/Scripts/qa_postprocess_reference.py</c>, fixture <c>Fixtures/postprocess_reference.json</c>): 40 examples,
/// 159 windows, under four settings (v1, small n-best and answer length with "empty" answers, v2, v2 with a threshold).
/// </summary>
public sealed class PostProcessingReferenceTests
{
    private static readonly JsonElement Fixture = JsonDocument.Parse(File.ReadAllText(
        Path.Combine(AppContext.BaseDirectory, "Tasks", "QuestionAnswering", "Fixtures", "postprocess_reference.json"))).RootElement;

    public static TheoryData<string> Settings()
    {
        var data = new TheoryData<string>();
        foreach (var setting in Fixture.GetProperty("settings").EnumerateArray()) data.Add(setting.GetProperty("name").GetString()!);
        return data;
    }

    [Theory]
    [MemberData(nameof(Settings))]
    public void Answers_equal_the_reference_post_processing(string name)
    {
        var setting = Fixture.GetProperty("settings").EnumerateArray().Single(s => s.GetProperty("name").GetString() == name);
        var options = new AnswerPostProcessingOptions
        {
            NBestSize = setting.GetProperty("n_best_size").GetInt32(),
            MaxAnswerLength = setting.GetProperty("max_answer_length").GetInt32(),
            Version2WithNegative = setting.GetProperty("version_2_with_negative").GetBoolean(),
            NullScoreDiffThreshold = setting.GetProperty("null_score_diff_threshold").GetDouble(),
        };
        var examples = new List<QuestionAnsweringExample>();
        var features = new List<QuestionAnsweringFeatures.Feature>();
        var (starts, ends) = (new List<float[]>(), new List<float[]>());
        foreach (var example in Fixture.GetProperty("examples").EnumerateArray())
        {
            examples.Add(new QuestionAnsweringExample(example.GetProperty("id").GetString()!, "q", example.GetProperty("context").GetString()!, [], examples.Count + 1));
            foreach (var feature in example.GetProperty("features").EnumerateArray())
            {
                var offsets = feature.GetProperty("offsets").EnumerateArray()
                    .Select(o => o.ValueKind == JsonValueKind.Null ? ((int, int)?)null : (o[0].GetInt32(), o[1].GetInt32())).ToArray();
                features.Add(new QuestionAnsweringFeatures.Feature(examples.Count - 1, new int[offsets.Length], new int[offsets.Length], offsets, 0, 0, 0));
                starts.Add(feature.GetProperty("start_logits").EnumerateArray().Select(v => (float)v.GetDouble()).ToArray());
                ends.Add(feature.GetProperty("end_logits").EnumerateArray().Select(v => (float)v.GetDouble()).ToArray());
            }
        }
        var predictions = AnswerPostProcessing.Predict(examples, new QuestionAnsweringFeatures(features, 0), starts, ends, options);
        var expected = Fixture.GetProperty("results").GetProperty(name);
        foreach (var prediction in predictions)
        {
            var reference = expected.GetProperty(prediction.Id);
            Assert.Equal(reference.GetProperty("answer").GetString(), prediction.Answer);
            var nbest = reference.GetProperty("nbest").EnumerateArray().ToList();
            Assert.Equal(nbest.Select(c => c.GetProperty("text").GetString()), prediction.NBest.Take(nbest.Count).Select(c => c.Text));
            Assert.Equal(nbest.Select(c => (c.GetProperty("start").GetInt32(), c.GetProperty("end").GetInt32())), prediction.NBest.Take(nbest.Count).Select(c => (c.Start, c.End)));
            // The reference's softmax runs in float32 (numpy over float32 scores), TuneSharp's in double: ~1e-7 apart.
            for (int i = 0; i < nbest.Count; i++)
                Assert.True(Math.Abs(nbest[i].GetProperty("probability").GetDouble() - prediction.NBest[i].Probability) < 1e-6, $"{prediction.Id} candidate {i}");
            if (reference.GetProperty("score_diff").ValueKind == JsonValueKind.Null) Assert.Null(prediction.NullScoreDiff);
            else Assert.Equal(reference.GetProperty("score_diff").GetDouble(), prediction.NullScoreDiff!.Value); // both float32 sums
        }
    }
}
