"""Writes Fixtures/gpt_neox/ for DecoderGoldenTests.cs: GPT-NeoX decoders made by transformers 4.40 (see
decoder_fixtures.py for the layout), in shapes that exercise what real checkpoints use:
- pythia: Pythia's layout: a quarter of each head's dimensions rotated (rotary_pct 0.25 of head_dim 16), the parallel
  residual, an untied embed_out, biases everywhere;
- neox-sequential-tied-linear: the sequential residual, three heads, half of each head rotated, tied embeddings, linear
  rope scaling, no attention biases, the tanh GELU;
- neox-full-rotary: every dimension rotated (rotary_pct 1.0), one layer, sequence classification only;
- neox-dynamic: dynamic NTK rope scaling with max_position_embeddings 8, shorter than the batch and the generation, so the
  base grows with every input, sequence classification only.
Every shape has the sequence-classification, token-classification and question-answering heads transformers has
(GPTNeoXFor...), except the last.
GPT-NeoX ships only a tokenizer.json (GPTNeoXTokenizerFast), which the reference environment cannot run (it has no Rust
tokenizers), so the family's tokenizer is the slow GPT2Tokenizer on a small byte-level BPE (vocab.json + merges.txt)
learned from the encoder fixtures' corpus. That is the same pipeline as GPT-NeoX's: GPT-2's pre-tokenizer regex and
byte alphabet, no prefix space, no special tokens added; "<|endoftext|>" (id 0) is bos, eos and unk and
"<|padding|>" (id 1) the pad token, as in Pythia's vocabulary.
Weights: transformers' initialisation starts biases at 0 and LayerNorms at (1, 0), and its std of 0.02 leaves attention
nearly uniform, so a misplaced bias, a LayerNorm or a wrong rotary dimension would move the outputs by less than the
tests' tolerance. These fixtures draw weights with std 0.2 (initializer_range) and biases and LayerNorm parameters at
random too (new heads included), so every parameter and every position counts.
Run: ../shared/reference/py tests/TuneSharp.Tests/Architectures/Fixtures/make_gpt_neox_fixtures.py
"""
import json
import os

from torch import nn
from transformers import GPT2Tokenizer, GPTNeoXConfig
from transformers.models.gpt_neox.modeling_gpt_neox import GPTNeoXPreTrainedModel

from decoder_fixtures import right_padded, write_decoder_family
from make_encoder_fixtures import CORPUS, HERE, learn_bpe


def randomise_biases_and_norms():
    """After transformers' own initialisation of each module, biases ~ N(0, 0.2) and LayerNorm weights ~ N(1, 0.2)."""
    original = GPTNeoXPreTrainedModel._init_weights

    def init_weights(self, module):
        original(self, module)
        if isinstance(module, (nn.Linear, nn.LayerNorm)) and module.bias is not None:
            module.bias.data.normal_(0.0, 0.2)
        if isinstance(module, nn.LayerNorm):
            module.weight.data.normal_(1.0, 0.2)

    GPTNeoXPreTrainedModel._init_weights = init_weights


def write_gpt_neox_tokenizer(folder):
    # 40 merges keep the vocabulary near 300 (the LM logits dominate outputs.json) while common words still merge.
    alphabet, merges = learn_bpe(CORPUS, 40)
    vocab = {"<|endoftext|>": 0, "<|padding|>": 1}
    for token in alphabet + [a + b for a, b in merges]:
        vocab.setdefault(token, len(vocab))
    os.makedirs(folder, exist_ok=True)
    vocab_path, merges_path = os.path.join(folder, "vocab.json"), os.path.join(folder, "merges.txt")
    with open(vocab_path, "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    with open(merges_path, "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in merges))
    specials = dict(unk_token="<|endoftext|>", bos_token="<|endoftext|>", eos_token="<|endoftext|>", pad_token="<|padding|>")
    GPT2Tokenizer(vocab_path, merges_path, **specials).save_pretrained(folder)
    return GPT2Tokenizer.from_pretrained(folder)


def main():
    randomise_biases_and_norms()
    out = os.path.join(HERE, "gpt_neox")
    tokenizer = write_gpt_neox_tokenizer(os.path.join(out, "tokenizer"))
    pad = tokenizer.pad_token_id  # <|padding|>, never in the batch's text
    eos = tokenizer.eos_token_id
    ids, mask = right_padded(tokenizer, pad)
    common = dict(vocab_size=len(tokenizer), pad_token_id=pad, bos_token_id=eos, eos_token_id=eos, max_position_embeddings=64,
                  initializer_range=0.2)
    heads = ["seq", "tok", "qa"]
    write_decoder_family(out, tokenizer, {
        "pythia": (GPTNeoXConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2,
                                 rotary_pct=0.25, use_parallel_residual=True, **common), ids, mask, heads),
        "neox-sequential-tied-linear": (GPTNeoXConfig(hidden_size=24, intermediate_size=64, num_hidden_layers=3, num_attention_heads=3,
                                                      rotary_pct=0.5, use_parallel_residual=False, tie_word_embeddings=True,
                                                      rope_scaling={"type": "linear", "factor": 2.0}, attention_bias=False,
                                                      hidden_act="gelu_new", rotary_emb_base=500, **common), ids, mask, heads),
        "neox-full-rotary": (GPTNeoXConfig(hidden_size=16, intermediate_size=32, num_hidden_layers=1, num_attention_heads=2,
                                           rotary_pct=1.0, **common), ids, mask, ["seq"]),
        "neox-dynamic": (GPTNeoXConfig(hidden_size=16, intermediate_size=32, num_hidden_layers=2, num_attention_heads=2,
                                       rotary_pct=0.5, rope_scaling={"type": "dynamic", "factor": 8.0},
                                       **{**common, "max_position_embeddings": 8}), ids, mask, ["seq"]),
    })


if __name__ == "__main__":
    main()
