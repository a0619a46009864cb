"""Writes words_fixtures.json beside this script: what transformers' slow tokenizers give for pre-split words
(is_split_into_words=True) and for overflowing tokens with a stride, for WordsAndWindowsTests.cs.

Run in the reference environment, from anywhere:
    ../shared/reference/py tests/TuneSharp.Tests/Tokenization/Fixtures/make_words_fixtures.py

Slow tokenizers have no word_ids(); the word ids recorded here are built from the same tokenizer by tokenizing each
word on its own (which is what slow tokenizers do for is_split_into_words, tokenization_utils.py get_input_ids), and
the script checks that those pieces joined give exactly the ids of the is_split_into_words call.
The sentences are made up for this file (CoNLL-like), not taken from any dataset.
"""
import json
import os
import tempfile

from transformers import BertTokenizer, GPT2Tokenizer, LlamaTokenizer, RobertaTokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", "..", "..", ".."))
SHARED = os.environ.get("TUNESHARP_SHARED") or os.path.join(REPO, "..", "shared")


def words_case(tok, words, pair_words=None):
    """ids of the is_split_into_words call, plus word ids from tokenizing each word alone (None for specials)."""
    enc = tok(words, pair_words, is_split_into_words=True) if pair_words else tok(words, is_split_into_words=True)
    ids = enc["input_ids"]

    def pieces(ws):
        toks, wids = [], []
        for i, w in enumerate(ws):
            t = tok.tokenize(w, is_split_into_words=True)
            toks += t
            wids += [i] * len(t)
        return tok.convert_tokens_to_ids(toks), toks, wids

    a_ids, a_toks, a_wids = pieces(words)
    case = {"words": words, "input_ids": ids, "tokens_a": a_toks, "word_ids_a": a_wids}
    if pair_words:
        b_ids, b_toks, b_wids = pieces(pair_words)
        assert tok.build_inputs_with_special_tokens(a_ids, b_ids) == ids, words
        case.update(pair_words=pair_words, tokens_b=b_toks, word_ids_b=b_wids)
        if "token_type_ids" in enc:
            case["token_type_ids"] = enc["token_type_ids"]
    else:
        assert tok.build_inputs_with_special_tokens(a_ids) == ids, words
    return case


def overflow_case(tok, text, pair=None, max_length=0, stride=0, truncation="longest_first"):
    """The slow tokenizer's first window and its single overflowing_tokens list, with the full token ids."""
    enc = tok(text, pair, max_length=max_length, stride=stride, truncation=truncation, return_overflowing_tokens=True)
    case = {
        "text": text, "max_length": max_length, "stride": stride, "truncation": truncation,
        "input_ids": enc["input_ids"], "overflowing_tokens": enc["overflowing_tokens"],
        "num_truncated_tokens": enc["num_truncated_tokens"],
        "ids_a": tok(text, add_special_tokens=False)["input_ids"],
    }
    if pair is not None:
        case.update(pair=pair, ids_b=tok(pair, add_special_tokens=False)["input_ids"])
    return case


def bert_fixtures():
    tok = BertTokenizer.from_pretrained(os.path.join(SHARED, "models", "all-MiniLM-L6-v2"))
    sentences = [
        ["Brussels", "officials", "reject", "Dutch", "plan", "to", "tax", "Belgian", "tulips", "."],
        ["Zoë", "Müller", "flew", "from", "Zürich", "to", "São", "Paulo", "on", "Tuesday", "."],
        ["The", "U.S.", "-based", "firm", "(", "Acme", "Corp.", ")", "didn't", "comment", "."],
        ["Unbelievably", ",", "tokenization", "of", "antidisestablishmentarianism", "works", "!"],
        ["A", "snowman", "☃", "met", "Qwxzv", "in", "北京", "."],
        ["Paris", "is", "[MASK]", "", "today", "."],
    ]
    cases = [words_case(tok, s) for s in sentences]
    assert any(100 in c["input_ids"] for c in cases), "no unknown word in the BERT sentences"
    assert any(len(set(c["word_ids_a"])) < len(c["word_ids_a"]) for c in cases)
    pair = words_case(tok, ["Where", "did", "Zoë", "fly", "?"], ["She", "flew", "to", "São", "Paulo", "."])

    question = "Where did the Belgian officials meet?"
    context = ("After a long week of talks in Brussels, the Belgian and Dutch officials finally met in Antwerp on "
               "Tuesday, where they agreed on a tulip tax that surprised everyone, including the growers themselves.")
    windows = [
        overflow_case(tok, question, context, max_length=32, stride=6, truncation="only_second"),
        overflow_case(tok, question, context, max_length=24, stride=0, truncation="only_second"),
        overflow_case(tok, context, max_length=16, stride=5, truncation="longest_first"),
    ]
    for w in windows:
        assert w["overflowing_tokens"], "a window case that does not overflow"
    return {"cases": cases, "pair": pair, "windows": windows}


def llama_fixtures():
    tok = LlamaTokenizer.from_pretrained(os.path.join(SHARED, "models", "stories260K"))
    sentences = [
        ["Once", "upon", "a", "time", ",", "Lily", "saw", "a", "big", "dog", "."],
        ["Zoë", "ate", "café", "cake", "", "!"],
    ]
    cases = [words_case(tok, s) for s in sentences]
    pair = words_case(tok, ["Who", "saw", "it", "?"], ["Tom", "saw", "the", "bird", "."])
    return {"cases": cases, "pair": pair}


# The hand-made byte-level vocabulary of ByteLevelBpeTests.cs ('Ġ' is the space byte; "Ã©" is é; "ð Ł ĺ Ģ" is 😀).
BYTE_LEVEL_VOCAB = ["H", "e", "l", "o", "Ġ", "w", "r", "d", "He", "lo", "Hel", "Ġw", "or", "Ġwor", "ld", "Hello",
                    "ll", "Ã", "©", "Ã©", "ð", "Ł", "ĺ", "Ģ", "<s>", "</s>", "<pad>", "<unk>", "<mask>"]
BYTE_LEVEL_MERGES = ["H e", "l o", "He l", "Ġ w", "o r", "Ġw or", "l d", "Hel lo", "l l", "Ã ©"]


def byte_level_fixtures():
    with tempfile.TemporaryDirectory() as d:
        vocab, merges = os.path.join(d, "vocab.json"), os.path.join(d, "merges.txt")
        with open(vocab, "w", encoding="utf-8") as f:
            json.dump({t: i for i, t in enumerate(BYTE_LEVEL_VOCAB)}, f, ensure_ascii=False)
        with open(merges, "w", encoding="utf-8") as f:
            f.write("#version: 0.2\n" + "\n".join(BYTE_LEVEL_MERGES) + "\n")
        gpt2 = GPT2Tokenizer(vocab, merges, unk_token="<unk>", bos_token="<s>", eos_token="</s>")
        roberta = RobertaTokenizer(vocab, merges)
        sentences = [["Hello", "world"], ["world", "Hello", "lo"], ["é😀", "Hello"]]
        return {
            "vocab": BYTE_LEVEL_VOCAB, "merges": BYTE_LEVEL_MERGES,
            "gpt2": [words_case(gpt2, s) for s in sentences],
            "roberta": [words_case(roberta, s) for s in sentences],
            "gpt2_plain_hello_world": gpt2("Hello world")["input_ids"],
        }


def main():
    fixtures = {
        "generated_by": "tests/TuneSharp.Tests/Tokenization/Fixtures/make_words_fixtures.py (transformers slow tokenizers)",
        "bert": bert_fixtures(),
        "llama": llama_fixtures(),
        "byte_level": byte_level_fixtures(),
    }
    out = os.path.join(HERE, "words_fixtures.json")
    with open(out, "w", encoding="utf-8") as f:
        json.dump(fixtures, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print("wrote", out)


if __name__ == "__main__":
    main()
