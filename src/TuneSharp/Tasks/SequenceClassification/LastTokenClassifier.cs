using TorchSharp;
using TorchSharp.Modules;
using TuneSharp.Architectures;
using TuneSharp.Models;
using static TorchSharp.torch;

namespace TuneSharp.Tasks.SequenceClassification;

/// <summary>
/// Any registered decoder with a linear head on the hidden state of each row's last real token, as transformers'
/// <c>LlamaForSequenceClassification</c>, <c>GPT2ForSequenceClassification</c>, <c>GPTNeoXForSequenceClassification</c>, ...
/// The backbone takes the registration's prefix (<c>model.*</c>, <c>transformer.*</c>, <c>gpt_neox.*</c>) and the head its
/// module name (<c>score</c>, bias-free in every decoder transformers has), so the state dict is the checkpoint's.
/// </summary>
/// <remarks>The last token comes from the attention mask, not pad_token_id; see <see cref="LastTokenPooling"/> for why.</remarks>
public sealed class LastTokenClassifier : BackboneSequenceClassifier
{
    private readonly Linear _score;

    /// <summary>
    /// Builds the model from a config whose id2label / problem_type describe the head (see
    /// <see cref="SequenceClassificationConfig.Apply"/>); the backbone is random until weights are loaded, the head
    /// ~ Normal(0, initializer_range), as transformers initialises it.
    /// </summary>
    public LastTokenClassifier(PretrainedConfig config) : base(config)
    {
        _score = nn.Linear(config.HiddenSize, NumLabels, hasBias: Head.Bias);
        HeadInitialization.InitLinear(_score, config.InitializerRange);
        register_module(Head.Module, _score);
    }

    /// <summary>The head ([NumLabels, hidden]).</summary>
    public Linear Score => _score;

    /// <inheritdoc/>
    /// <remarks>Pool first, then project: the same numbers as HF's score-every-token-then-gather, without [B, T, L] logits.</remarks>
    protected override Tensor Logits(Tensor lastHiddenState, Tensor attentionMask) => _score.call(LastTokenPooling.Pool(lastHiddenState, attentionMask));
}
