using TuneSharp.Data;
using TuneSharp.Models;
using TuneSharp.Tokenization;
using static TorchSharp.torch;

namespace TuneSharp.Tasks.QuestionAnswering;

/// <summary>
/// Answers questions about contexts with a trained extractive QA model: the question and context are cut into windows
/// as in training (<see cref="QuestionAnsweringFeatures"/>), scored in length-sorted batches in eval mode under no_grad,
/// and the windows' spans put back together per question (<see cref="AnswerPostProcessing"/>): the best answers with
/// their probability and their character span in the context.
/// </summary>
public sealed class QuestionAnsweringPipeline : IDisposable
{
    private readonly bool _ownsModel;

    /// <param name="model">The QA model.</param>
    /// <param name="tokenizer">Its tokenizer (it must have a pad token).</param>
    /// <param name="options">Window length, doc_stride and post-processing; null: <see cref="QuestionAnsweringTaskOptions"/>'s defaults
    /// with max_length at most the model's positions.</param>
    /// <exception cref="TuneSharpException">Options out of range or beyond the model's positions, or ids that do not fit the model.</exception>
    public QuestionAnsweringPipeline(IQuestionAnsweringModel model, TextTokenizer tokenizer, QuestionAnsweringTaskOptions? options = null)
        : this(model, tokenizer, options, ownsModel: false) { }

    private QuestionAnsweringPipeline(IQuestionAnsweringModel model, TextTokenizer tokenizer, QuestionAnsweringTaskOptions? options, bool ownsModel)
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
        Tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));
        TokenizerModelCheck.EnsureIdsFitEmbeddings(tokenizer, model.InputEmbeddings.weight!.shape[0]);
        var positions = model.Config.MaxPositions;
        Options = options ?? new QuestionAnsweringTaskOptions { MaxLength = Math.Min(384, positions), DocStride = TuneSharp.Tasks.DocStride.Default(Math.Min(384, positions)) };
        Options.Validate();
        if (Options.MaxLength > positions)
            throw new TuneSharpException($"max_length {Options.MaxLength} is beyond the model's {positions} positions (max_position_embeddings).") { Setting = "max_length" };
        _ownsModel = ownsModel;
    }

    /// <summary>The QA model.</summary>
    public IQuestionAnsweringModel Model { get; }

    /// <summary>Its tokenizer.</summary>
    public TextTokenizer Tokenizer { get; }

    /// <summary>Windows and post-processing.</summary>
    public QuestionAnsweringTaskOptions Options { get; }

    /// <summary>
    /// Loads a trained QA folder: a full model (config.json with architectures e.g. ["BertForQuestionAnswering"],
    /// model.safetensors, tokenizer files) or a PEFT adapter folder on the base model it names. A full folder without a
    /// trained qa_outputs head (a base model) is refused unless <paramref name="allowUntrainedHead"/>. Without
    /// <paramref name="options"/>, a folder TuneSharp trained answers with the settings it was trained with
    /// (<see cref="QuestionAnsweringTaskOptions.FromTrainedFolder"/>), any other with run_qa.py's defaults.
    /// </summary>
    /// <exception cref="TuneSharpException">Options out of range, an untrained head, or a folder that cannot be loaded.</exception>
    public static QuestionAnsweringPipeline FromPretrained(string modelDir, QuestionAnsweringTaskOptions? options = null, ScalarType? dtype = null, bool allowUntrainedHead = false)
    {
        ArgumentNullException.ThrowIfNull(modelDir);
        options ??= QuestionAnsweringTaskOptions.FromTrainedFolder(modelDir);
        options?.Validate();
        var tokenizer = TextTokenizer.FromPretrained(modelDir);
        if (tokenizer.SpecialTokens.PadId is null && tokenizer.SpecialTokens.Eos is { } eos) tokenizer.SetPadToken(eos);
        var model = (IQuestionAnsweringModel)Peft.PeftClassifierLoader.LoadTaskModel(modelDir, ModelTask.QuestionAnswering, dtype, !allowUntrainedHead);
        try
        {
            TokenizerModelCheck.EnsureIdsFitEmbeddings(tokenizer, model.InputEmbeddings.weight!.shape[0], modelDir);
            return new QuestionAnsweringPipeline(model, tokenizer, options, ownsModel: true);
        }
        catch
        {
            model.Module.Dispose();
            throw;
        }
    }

    /// <summary>The answer to <paramref name="question"/> in <paramref name="context"/>, with its n best candidates.</summary>
    /// <exception cref="TuneSharpException">The question or context is blank, or the question leaves no room for a window.</exception>
    public AnswerPrediction Answer(string question, string context)
    {
        if (string.IsNullOrWhiteSpace(question)) throw new TuneSharpException("The question is empty; expected the question's text.") { Setting = "question" };
        if (string.IsNullOrWhiteSpace(context)) throw new TuneSharpException("The context is empty; expected the text the answer is taken from.") { Setting = "context" };
        return Answer([new QuestionAnsweringExample("0", question, context, [], 1)])[0];
    }

    /// <summary>The answers to <paramref name="examples"/> (their gold answers, if any, are not used), in input order.</summary>
    public AnswerPrediction[] Answer(IReadOnlyList<QuestionAnsweringExample> examples, int batchSize = 32, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (examples.Count == 0) return [];
        var features = new QuestionAnsweringFeatures(Tokenizer, examples, Options.MaxLength, Options.DocStride);
        var (start, end) = SpanScoring.Run(Model, features, batchSize, null, ct);
        return AnswerPostProcessing.Predict(examples, features, start, end, Options.PostProcessing);
    }

    /// <summary>SQuAD metrics of the model on <paramref name="data"/> (v1.1, or v2.0 with version_2_with_negative).</summary>
    public Dictionary<string, double> Evaluate(QuestionAnsweringDataset data, int batchSize = 32, CancellationToken ct = default) =>
        QuestionAnsweringEvaluator.Score(data.Examples, Answer(data.Examples, batchSize, ct), Options.PostProcessing);

    /// <summary>Disposes the model when the pipeline loaded it (<see cref="FromPretrained"/>).</summary>
    public void Dispose()
    {
        if (_ownsModel) Model.Module.Dispose();
    }
}
