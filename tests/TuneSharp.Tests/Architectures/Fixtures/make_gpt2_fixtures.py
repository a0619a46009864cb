"""Writes Fixtures/gpt2/ for DecoderGoldenTests.cs: GPT-2 decoders made by transformers 4.40 (see decoder_fixtures.py
for the layout), in shapes that exercise what GPT-2 checkpoints and their variants use:
- gpt2-tied-odd-heads: transformers' defaults (gelu_new, lm_head tied to wte, n_inner = 4 · n_embd) with 3 heads;
- gpt2-untied-scaled: an untied lm_head, exact gelu, an explicit n_inner, attention scores also divided by the layer index + 1
  (scale_attn_by_inverse_layer_idx) and computed by the reordered, upcast path (reorder_and_upcast_attn);
- gpt2-unscaled-relu: relu, no 1/sqrt(head_dim) scaling (scale_attn_weights=False) and another layer_norm_epsilon.
Every shape also has GPT2ForSequenceClassification, GPT2ForTokenClassification and GPT2ForQuestionAnswering heads. The
weights of c_attn, c_proj and c_fc are transformers' Conv1D, stored [in, out], which is what TuneSharp must transpose.
The tokenizer is GPT-2's slow byte-level BPE (GPT2Tokenizer: vocab.json + merges.txt, no special-token template) with a
small vocabulary learned from the encoder fixtures' corpus and <|endoftext|> as its only special token; pad_token_id is
that token, which no text of the batch contains.
gpt2-untied-scaled's greedy continuation is generated without transformers' KV cache: its reorder_and_upcast_attn path
fills torch.empty scores by baddbmm(beta=0), and PyTorch 1.13's CPU baddbmm does not ignore the input for a single query
row (one cached decoding step), so NaN from uninitialised memory can reach the logits (argmax then picks token 0); the
uncached path never takes one row, and its tokens are what the model computes.
Run: ../shared/reference/py tests/TuneSharp.Tests/Architectures/Fixtures/make_gpt2_fixtures.py
"""
import json
import os

from transformers import GPT2Config, GPT2Tokenizer

from decoder_fixtures import right_padded, write_decoder_family
from make_encoder_fixtures import CORPUS, HERE, learn_bpe

END_OF_TEXT = "<|endoftext|>"


def write_gpt2_tokenizer(folder):
    alphabet, merges = learn_bpe(CORPUS, 50)
    vocab = {}
    for token in alphabet + [a + b for a, b in merges]:
        vocab.setdefault(token, len(vocab))
    vocab[END_OF_TEXT] = len(vocab)
    os.makedirs(folder, exist_ok=True)
    vocab_path, merges_path = os.path.join(folder, "vocab.json"), os.path.join(folder, "merges.txt")
    with open(vocab_path, "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    with open(merges_path, "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in merges))
    GPT2Tokenizer(vocab_path, merges_path).save_pretrained(folder)
    return GPT2Tokenizer.from_pretrained(folder)


def main():
    out = os.path.join(HERE, "gpt2")
    tokenizer = write_gpt2_tokenizer(os.path.join(out, "tokenizer"))
    end = tokenizer.eos_token_id
    ids, mask = right_padded(tokenizer, end)
    # initializer_range 0.5 instead of 0.02: blocks that change the residual stream enough for the greedy continuation
    # to move on from the last token (with tiny weights a tied model repeats it forever, which tests little).
    common = dict(vocab_size=len(tokenizer), n_positions=64, initializer_range=0.5, pad_token_id=end, bos_token_id=end, eos_token_id=end)
    heads = ["seq", "tok", "qa"]
    write_decoder_family(out, tokenizer, {
        "gpt2-tied-odd-heads": (GPT2Config(n_embd=24, n_layer=2, n_head=3, **common), ids, mask, heads),
        "gpt2-untied-scaled": (GPT2Config(n_embd=32, n_layer=3, n_head=4, n_inner=40, activation_function="gelu",
                                          tie_word_embeddings=False, scale_attn_by_inverse_layer_idx=True,
                                          reorder_and_upcast_attn=True, **common), ids, mask, heads, 10, False),
        "gpt2-unscaled-relu": (GPT2Config(n_embd=16, n_layer=2, n_head=2, n_inner=24, activation_function="relu",
                                          scale_attn_weights=False, layer_norm_epsilon=1e-6, **common), ids, mask, heads),
    }, extra_texts=[f"one{END_OF_TEXT}two {END_OF_TEXT} three"])


if __name__ == "__main__":
    main()
