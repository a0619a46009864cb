using TuneSharp.Data;
using TuneSharp.Tasks.QuestionAnswering;
using TuneSharp.Tests.Tasks.TextClassification;
using TuneSharp.Tokenization;

namespace TuneSharp.Tests.Tasks.QuestionAnswering;

/// <summary>
/// QA features as run_qa.py builds them: question first, only the context windowed with doc_stride overlap, context
/// offsets, and the answer's start/end tokens or CLS, worked by hand on a tokenizer where every word is one token, and
/// checked on SQuAD with the real MiniLM tokenizer.
/// </summary>
public sealed class QuestionAnsweringFeaturesTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    /// <summary>"w0 w1 ... w{n-1}": word k starts at 3k for k &lt; 10 (two characters and a space).</summary>
    internal static string Words(int n) => string.Join(' ', Enumerable.Range(0, n).Select(i => $"w{i}"));

    [Fact]
    public void A_long_context_becomes_overlapping_windows_labelled_where_the_answer_is_whole()
    {
        var tokenizer = TinyTextClassification.Tokenizer(_tmp.Path);
        var context = Words(14);
        var answerStart = context.IndexOf("w9 w10", StringComparison.Ordinal);
        var example = new QuestionAnsweringExample("q", "  good", context, [new AnswerSpan("w9 w10", answerStart)], 1);
        // max_length 10 = [CLS] good [SEP] + 6 context tokens + [SEP]; doc_stride 2: windows start at words 0, 4, 8.
        var features = new QuestionAnsweringFeatures(tokenizer, [example], maxLength: 10, docStride: 2);
        Assert.Equal(3, features.Count);
        Assert.Equal(1, features.WindowedExamples);
        var (first, second, third) = (features.Features[0], features.Features[1], features.Features[2]);
        Assert.Equal([0, 0, 0, 1, 1, 1, 1, 1, 1, 1], first.TokenTypeIds);
        Assert.Equal(tokenizer.TokenToId("good"), first.InputIds[1]); // the question's leading spaces are stripped
        Assert.Null(first.ContextOffsets[0]);
        Assert.Null(first.ContextOffsets[2]);
        Assert.Equal((0, 2), first.ContextOffsets[3]);
        Assert.Null(first.ContextOffsets[9]);
        Assert.Equal((12, 14), second.ContextOffsets[3]); // word 4
        // Windows 0 and 1 do not hold all of "w9 w10": CLS. Window 2 holds words 8..13: w9 at position 4, w10 at 5.
        Assert.Equal((0, 0), (first.StartPosition, first.EndPosition));
        Assert.Equal((0, 0), (second.StartPosition, second.EndPosition));
        Assert.Equal((4, 5), (third.StartPosition, third.EndPosition));
        Assert.Equal(10, third.InputIds.Length); // words 8..13 fill the last window
    }

    [Fact]
    public void Unanswerable_questions_are_labelled_at_cls_and_batches_pad_on_the_right()
    {
        var tokenizer = TinyTextClassification.Tokenizer(_tmp.Path);
        var features = new QuestionAnsweringFeatures(tokenizer,
            [new QuestionAnsweringExample("a", "good", Words(3), [], 1), new QuestionAnsweringExample("b", "bad", Words(1), [new AnswerSpan("w0", 0)], 2)],
            maxLength: 16, docStride: 4);
        Assert.Equal((0, 0), (features.Features[0].StartPosition, features.Features[0].EndPosition));
        Assert.Equal((3, 3), (features.Features[1].StartPosition, features.Features[1].EndPosition));
        var (ids, mask, types, starts, ends) = features.Batch([0, 1], withPositions: true);
        using (ids) using (mask) using (types) using (starts) using (ends)
        {
            Assert.Equal([2L, 7], ids.shape);
            Assert.Equal([1L, 1, 1, 1, 1, 0, 0], mask[1].data<long>().ToArray());
            Assert.Equal([0L, 3], starts!.data<long>().ToArray());
        }
    }

    [Fact]
    public void A_question_that_leaves_no_room_beyond_the_stride_is_a_clear_error()
    {
        var tokenizer = TinyTextClassification.Tokenizer(_tmp.Path);
        var example = new QuestionAnsweringExample("long-q", "good bad good bad good bad", Words(20), [], 7);
        var error = Assert.Throws<TuneSharpException>(() => new QuestionAnsweringFeatures(tokenizer, [example], maxLength: 12, docStride: 4));
        Assert.Contains("'long-q' (at 7)", error.Message);
        Assert.Contains("max_length 12 and doc_stride 4", error.Message);
        Assert.Equal("doc_stride", error.Setting);
    }

    [Fact]
    public void On_squad_every_labelled_window_covers_its_answer_and_single_windows_always_hold_it()
    {
        var tokenizer = TextTokenizer.FromPretrained(SharedData.RequireModel("all-MiniLM-L6-v2"));
        var examples = QuestionAnsweringData.Load(new QuestionAnsweringDataOptions { Path = SharedData.RequireData("squad/dev-v1.1.json") })
            .Examples.Take(400).ToArray();
        var features = new QuestionAnsweringFeatures(tokenizer, examples, maxLength: 128, docStride: 32);
        Assert.True(features.WindowedExamples > 100, $"{features.WindowedExamples} windowed");
        var byExample = features.Features.GroupBy(f => f.Example).ToArray();
        Assert.Equal(examples.Length, byExample.Length);
        foreach (var group in byExample)
        {
            var example = examples[group.Key];
            var answer = example.Answers[0];
            if (group.Count() == 1) Assert.NotEqual(group.Single().ClsIndex, group.Single().StartPosition);
            Assert.Contains(group, f => f.StartPosition != f.ClsIndex); // some window holds the (short) answer
            foreach (var feature in group.Where(f => f.StartPosition != f.ClsIndex))
            {
                var (start, _) = feature.ContextOffsets[feature.StartPosition]!.Value;
                var (_, end) = feature.ContextOffsets[feature.EndPosition]!.Value;
                Assert.True(start <= answer.Start && end >= answer.End, $"{example.Id}: span [{start}, {end}) misses the answer [{answer.Start}, {answer.End})");
                // The tightest such span: the tokens inside start after the answer's start / end before its end.
                Assert.True(feature.StartPosition == feature.EndPosition || feature.ContextOffsets[feature.StartPosition + 1]!.Value.Start > answer.Start);
            }
            Assert.True(group.Select(f => f.InputIds.Length).Max() <= 128);
        }
    }
}
