"""Writes Fixtures/llama/ for DecoderGoldenTests.cs: Llama-family decoders made by transformers 4.40 (see
decoder_fixtures.py for the layout), in shapes that exercise what real checkpoints use:
- llama-gqa: grouped-query attention (4 query heads over 2 key/value heads), untied head;
- llama-mqa-tied-linear: one key/value head for three query heads, tied embeddings, an explicit head_dim, linear rope scaling;
- llama-dynamic-bias: dynamic NTK rope scaling with the batch longer than max_position_embeddings, attention biases;
- qwen2: biases on q/k/v only (o_proj has none), tied embeddings;
- mistral-window: sliding-window attention with a window (4) shorter than the batch, one key/value head.
Llama's own tokenizer needs the sentencepiece package, which the reference environment lacks, so the family's tokenizer
is Qwen2's slow byte-level BPE (Qwen2Tokenizer: vocab.json + merges.txt, its own pre-tokenizer regex), with a small
vocabulary learned from the encoder fixtures' corpus; every shape runs on its ids.
Run: ../shared/reference/py tests/TuneSharp.Tests/Architectures/Fixtures/make_llama_fixtures.py
"""
import json
import os

from transformers import LlamaConfig, MistralConfig, Qwen2Config, Qwen2Tokenizer

from decoder_fixtures import right_padded, write_decoder_family
from make_encoder_fixtures import CORPUS, HERE, learn_bpe


def write_qwen2_tokenizer(folder):
    alphabet, merges = learn_bpe(CORPUS, 120)
    vocab = {}
    for token in alphabet + [a + b for a, b in merges]:
        vocab.setdefault(token, len(vocab))
    os.makedirs(folder, exist_ok=True)
    vocab_path, merges_path = os.path.join(folder, "vocab.json"), os.path.join(folder, "merges.txt")
    with open(vocab_path, "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    with open(merges_path, "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in merges))
    Qwen2Tokenizer(vocab_path, merges_path).save_pretrained(folder)
    return Qwen2Tokenizer.from_pretrained(folder)


def main():
    out = os.path.join(HERE, "llama")
    tokenizer = write_qwen2_tokenizer(os.path.join(out, "tokenizer"))
    vocab = len(tokenizer)
    pad = tokenizer.pad_token_id  # <|endoftext|>, never in the batch's text
    ids, mask = right_padded(tokenizer, pad)
    common = dict(vocab_size=vocab, pad_token_id=pad, bos_token_id=pad, eos_token_id=pad, rms_norm_eps=1e-5)
    causal_seq = ["seq"]
    write_decoder_family(out, tokenizer, {
        "llama-gqa": (LlamaConfig(hidden_size=32, intermediate_size=48, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                                  max_position_embeddings=64, rope_theta=500000.0, **common), ids, mask, causal_seq),
        "llama-mqa-tied-linear": (LlamaConfig(hidden_size=24, intermediate_size=40, num_hidden_layers=3, num_attention_heads=3,
                                              num_key_value_heads=1, head_dim=8, max_position_embeddings=64, tie_word_embeddings=True,
                                              rope_scaling={"type": "linear", "factor": 2.0}, **common), ids, mask, causal_seq),
        "llama-dynamic-bias": (LlamaConfig(hidden_size=32, intermediate_size=48, num_hidden_layers=2, num_attention_heads=4,
                                           max_position_embeddings=8, attention_bias=True,
                                           rope_scaling={"type": "dynamic", "factor": 4.0}, **common), ids, mask, causal_seq),
        "qwen2": (Qwen2Config(hidden_size=32, intermediate_size=48, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                              max_position_embeddings=64, tie_word_embeddings=True, **common), ids, mask, causal_seq),
        "mistral-window": (MistralConfig(hidden_size=32, intermediate_size=48, num_hidden_layers=2, num_attention_heads=4,
                                         num_key_value_heads=1, max_position_embeddings=64, sliding_window=4, **common),
                           ids, mask, causal_seq),
    })


if __name__ == "__main__":
    main()
