"""Writes spm/slow_tokenizers.json: what transformers' own slow tokenizer classes (XLMRobertaTokenizer,
CamembertTokenizer, DebertaV2Tokenizer, T5Tokenizer) give for the tiny models of make_spm_fixtures.py, for
SentencePieceSlowTokenizerTests.cs.

Run in the reference environment (after make_spm_fixtures.py):
    ../shared/reference/py tests/TuneSharp.Tests/Tokenization/Fixtures/make_spm_slow_fixtures.py

The tokenizer classes segment with the real `sentencepiece` library (0.1.97, Debian's python3-sentencepiece, which
`../shared/reference/install` installs), loading the hand-built models of make_spm_fixtures.py: so the fixture is
SentencePiece's own Unigram Viterbi, precompiled-charsmap normalisation, byte fallback and decoding, plus transformers'
part on top of it: the fairseq/CamemBERT id offsets, added and special tokens cut from the text (lstrip/rstrip),
templates, token type ids and decoding. (An earlier version ran a Python stand-in for SentencePieceProcessor; the real
library gave identical output for every case when it became available.)
"""
import json
import os

import sentencepiece  # noqa: F401  (fails here, clearly, where the reference environment lacks it)

HERE = os.path.dirname(os.path.abspath(__file__))
SPM = os.path.join(HERE, "spm")

from transformers.models.camembert.tokenization_camembert import CamembertTokenizer
from transformers.models.deberta_v2.tokenization_deberta_v2 import DebertaV2Tokenizer
from transformers.models.t5.tokenization_t5 import T5Tokenizer
from transformers.models.xlm_roberta.tokenization_xlm_roberta import XLMRobertaTokenizer

CASES = {
    "xlmr": (lambda: XLMRobertaTokenizer(os.path.join(SPM, "xlmr_like.model")),
             ["Hello", "Hell", "Hxyz", "A@@A", "  Hello   ", "\uff21\uff21\u2460", "A\u00a0\u00a0A", "A\tA", "\ufb01",
              "A\u200bA", "\uff76\uff9e", "e\u0301", "\uff21\u0301", "Hello <mask>", "<s>Hello</s>Hello", "a, a."],
             [("Hello", "\uff21\uff21\u2460"), ("Hell o", "<mask> a")]),
    "camembert": (lambda: CamembertTokenizer(os.path.join(SPM, "xlmr_like.model")),
                  ["Hello", "Hxyz", "\uff21\uff21\u2460", "<s>NOTUSED Hello", "Hello <mask>", "a, a."],
                  [("Hello", "\uff21\uff21\u2460")]),
    "deberta": (lambda: DebertaV2Tokenizer(os.path.join(SPM, "deberta_like.model")),
                ["Hello, world!", "Hello [MASK]", "\uff21\uff21", "A1", "hello world"],
                [("Hello", "A1"), ("Hello, world!", "A1!")]),
    "deberta_lower": (lambda: DebertaV2Tokenizer(os.path.join(SPM, "deberta_like.model"), do_lower_case=True),
                      ["Hello, world!", "HELLO World"], [("Hello", "World")]),
    "deberta_punct": (lambda: DebertaV2Tokenizer(os.path.join(SPM, "deberta_like.model"), split_by_punct=True),
                      ["Hello, world!", "Hello,world!!"], [("Hello, world!", "A1")]),
    "t5": (lambda: T5Tokenizer(os.path.join(SPM, "t5_like_bytes.model"), legacy=True),
           ["ab", "a\u00e9", "abc <extra_id_0> X.", "abc<extra_id_1>X", "X. ab"], [("ab", "c"), ("X", "ab.")]),
}


def main():
    out = {}
    for name, (make, singles, pairs) in CASES.items():
        tok = make()
        rows = []
        for text in singles:
            enc = tok(text)
            rows.append({"text": text, "tokens": tok.tokenize(text), "input_ids": enc["input_ids"],
                         "decoded": tok.decode(enc["input_ids"], skip_special_tokens=True),
                         "decoded_with_special": tok.decode(enc["input_ids"])})
        pair_rows = []
        for a, b in pairs:
            enc = tok(a, b, return_token_type_ids=True)
            pair_rows.append({"text": a, "pair": b, "input_ids": enc["input_ids"], "token_type_ids": enc["token_type_ids"]})
        out[name] = {"class": type(tok).__name__, "vocab_size": len(tok), "singles": rows, "pairs": pair_rows,
                     "special_ids": {k: getattr(tok, k + "_token_id") for k in ("bos", "eos", "unk", "sep", "pad", "cls", "mask")
                                     if getattr(tok, "_" + k + "_token", None) is not None}}
    with open(os.path.join(SPM, "slow_tokenizers.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print("wrote spm/slow_tokenizers.json:", ", ".join("%s %d+%d" % (k, len(v["singles"]), len(v["pairs"])) for k, v in out.items()))


if __name__ == "__main__":
    main()
