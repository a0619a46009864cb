"""Writes the DeBERTa-v2/v3 golden fixtures beside this script, in deberta-v2/, for EncoderGoldenTests.cs.

Run in the reference environment (transformers 4.40, PyTorch 1.13), from anywhere:
    ../shared/reference/py tests/TuneSharp.Tests/Architectures/Fixtures/make_deberta_fixtures.py

As for the other encoder families (make_encoder_fixtures.py, whose tokenizer helpers this reuses), everything is made by
transformers itself:
- tokenizer/: a small uncased WordPiece vocab.txt saved by BertTokenizer. DeBERTa-v2/v3 checkpoints tokenize with a
  SentencePiece Unigram model (spm.model, DebertaV2Tokenizer); TuneSharp reads SentencePiece models of the BPE kind only
  (Unigram only from a tokenizer.json), and this environment cannot write a tokenizer.json (no Rust tokenizers), so the
  fixture pairs the DeBERTa models with a WordPiece vocabulary, as the DistilBERT fixture does. The model does not care
  which tokenizer made its ids; the tokenizer test of this family checks the WordPiece ids like the others;
- for each tiny config, random weights from from_config saved by save_pretrained as base/, and the sequence-,
  token-classification and question-answering models loaded from base/ with new seeded heads, saved as seq/, tok/, qa/
  (the sequence head's ContextPooler is new too: a base DebertaV2Model has none);
- outputs.json: for one right-padded batch whose longest row (about 30 tokens) is well past the bucket sizes, so the log
  buckets and the clamping of relative distances both matter, the base model's last_hidden_state and every head's
  logits (eval mode), and the slow tokenizer's input_ids on the tricky strings of make_encoder_fixtures.py.
The shapes:
- v3: DeBERTa-v3's layout (relative attention, 8 log buckets over max_position_embeddings, pos_att_type p2c+c2p, no
  absolute positions, LayerNorm on the relative embeddings, shared attention keys, no token types);
- v2-conv: DeBERTa-v2 xlarge's older layout and more: absolute positions added to the input, pos_att_type "c2p" only
  (given as a string, which DebertaV2Config saves as a list; its own pos_key_proj), plain distances clamped at max_relative_positions 6, three heads,
  embedding_size 16 below hidden_size 24 (embed_proj), two token types, the convolution beside the first layer
  (conv_kernel_size 3, gelu), a tanh pooler;
- p2c-buckets: position→content only (its own pos_query_proj), 6 buckets over an explicit max_relative_positions 20,
  relu, one layer.
Running it again rewrites the same files (every random draw is seeded).
"""
import os

import torch
from transformers import BertTokenizer, DebertaV2Config

from make_encoder_fixtures import HERE, write_family, write_wordpiece_tokenizer

LONG = "The cat sat on the mat and the dog slept by the door. It was the best of times, it was the worst of times."


def batch(tokenizer, pad_id):
    """Three right-padded rows: a long sentence, a pair (segment ids 1 on its second part), a single word."""
    encoded = [tokenizer(LONG), tokenizer("Who sat on the mat?", "The cat sat on the mat and the dog slept."), tokenizer("the")]
    length = max(len(e["input_ids"]) for e in encoded)
    ids = [e["input_ids"] + [pad_id] * (length - len(e["input_ids"])) for e in encoded]
    mask = [[1] * len(e["input_ids"]) + [0] * (length - len(e["input_ids"])) for e in encoded]
    types = [e["token_type_ids"] + [0] * (length - len(e["token_type_ids"])) for e in encoded]
    return ids, mask, types


def main():
    torch.set_num_threads(1)
    out = os.path.join(HERE, "deberta-v2")
    tokenizer = write_wordpiece_tokenizer(os.path.join(out, "tokenizer"), BertTokenizer)
    vocab = len(tokenizer)
    # initializer_range 0.4 instead of 0.02: with transformers' default the attention scores of a tiny random model are
    # so small that every softmax is nearly uniform, and a wrong relative index would move the outputs by less than the
    # tests' 1e-4. With larger weights the content and relative terms are of order 1 and decide the attention.
    spread = {"initializer_range": 0.4}
    shapes = {
        "v3": DebertaV2Config(vocab_size=vocab, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=48,
                              max_position_embeddings=64, type_vocab_size=0, relative_attention=True, position_buckets=8,
                              max_relative_positions=-1, pos_att_type=["p2c", "c2p"], position_biased_input=False,
                              norm_rel_ebd="layer_norm", share_att_key=True, **spread),
        "v2-conv": DebertaV2Config(vocab_size=vocab, hidden_size=24, embedding_size=16, num_hidden_layers=3, num_attention_heads=3,
                                   intermediate_size=40, max_position_embeddings=48, type_vocab_size=2, relative_attention=True,
                                   max_relative_positions=6, pos_att_type="c2p", position_biased_input=True, share_att_key=False,
                                   conv_kernel_size=3, conv_act="gelu", pooler_hidden_act="tanh", pooler_dropout=0.1, cls_dropout=0.2, **spread),
        "p2c-buckets": DebertaV2Config(vocab_size=vocab, hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=20,
                                       max_position_embeddings=40, type_vocab_size=0, relative_attention=True, position_buckets=6,
                                       max_relative_positions=20, pos_att_type=["p2c"], position_biased_input=False,
                                       norm_rel_ebd="layer_norm", share_att_key=False, hidden_act="relu", **spread),
    }
    write_family(out, tokenizer, shapes, make_batch=batch)

if __name__ == "__main__":
    main()
