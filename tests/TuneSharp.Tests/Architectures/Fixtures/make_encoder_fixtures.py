"""Writes the encoder golden fixtures beside this script, for RobertaGoldenTests.cs and DistilBertGoldenTests.cs:
roberta/ (model_type roberta, xlm-roberta, camembert), distilbert/ and electra/.

Run in the reference environment (transformers 4.40, PyTorch 1.13), from anywhere:
    ../shared/reference/py tests/TuneSharp.Tests/Architectures/Fixtures/make_encoder_fixtures.py

No pretrained checkpoint of these families can be brought onto these machines, so everything here is made by
transformers itself, per family folder:
- tokenizer/: RoBERTa a small byte-level BPE (vocab.json + merges.txt) learned by this script from made-up sentences
  (GPT-2's pre-tokenizer regex and byte alphabet, merges by pair frequency), saved by RobertaTokenizer.save_pretrained;
  DistilBERT and ELECTRA a small uncased WordPiece vocab.txt written here, saved by their tokenizer's save_pretrained;
- for each tiny config (several shapes per family: odd head counts, gelu_new or relu, two token types, a pad id other
  than 1), random weights from from_config saved by save_pretrained as base/, and the sequence-classification,
  token-classification and question-answering models loaded from base/ with new seeded heads, saved as seq/, tok/, qa/;
- outputs.json: for fixed right-padded batches, the base model's last_hidden_state (and pooler_output where it has
  one) and every head's logits (eval mode), and the slow tokenizer's input_ids for a set of tricky strings, alone and
  in pairs. Slow tokenizers give no offsets, so none are recorded.
Running it again rewrites the same files (every random draw is seeded).
"""
import collections
import json
import os

import regex
import torch
from transformers import (AutoModelForQuestionAnswering, AutoModelForSequenceClassification, AutoModelForTokenClassification,
                          AutoModel, CamembertConfig, DistilBertConfig, DistilBertTokenizer, ElectraConfig, ElectraTokenizer,
                          RobertaConfig, RobertaTokenizer, XLMRobertaConfig)
from transformers.models.gpt2.tokenization_gpt2 import bytes_to_unicode

HERE = os.path.dirname(os.path.abspath(__file__))
GPT2_SPLIT = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""

CORPUS = [
    "The cat sat on the mat and the dog slept by the door.",
    "Hello world! Hello there, how are you today?",
    "A movie about the world of tomorrow, told with wit and warmth.",
    "The patient reports a headache and mild fever since Tuesday.",
    "It was the best of times, it was the worst of times.",
    "Contracts, policies and records are longer than one window.",
    "Où est la gare ? Le café est ouvert.",
]

TRICKY = [
    "Hello world!",
    "  leading and   inner spaces\tand a tab\nand a newline ",
    "Café, naïve, résumé — Ünïcödé",
    "東京 is 日本's capital; 한국어 too",
    "emoji 😀👍🏽 and ZWJ 👩‍💻",
    "supercalifragilisticexpialidociousness" * 3,
    "special tokens in text: <s> <mask> </s> <pad>",
    "numbers 3.14159 and 2026-12-07",
    "",
]
PAIRS = [["Who sat on the mat?", "The cat sat on the mat."], ["Où ?", "東京 😀"], ["", "only the second"]]


def learn_bpe(corpus, merges_wanted):
    byte_chars = bytes_to_unicode()
    words = collections.Counter()
    for line in corpus:
        for piece in regex.findall(GPT2_SPLIT, line):
            words[tuple(byte_chars[b] for b in piece.encode("utf-8"))] += 1
    merges = []
    for _ in range(merges_wanted):
        pairs = collections.Counter()
        for word, count in words.items():
            for a, b in zip(word, word[1:]):
                pairs[(a, b)] += count
        if not pairs:
            break
        best = max(pairs.items(), key=lambda kv: (kv[1], kv[0]))[0]
        merges.append(best)
        merged = collections.Counter()
        for word, count in words.items():
            out, i = [], 0
            while i < len(word):
                if i + 1 < len(word) and (word[i], word[i + 1]) == best:
                    out.append(word[i] + word[i + 1])
                    i += 2
                else:
                    out.append(word[i])
                    i += 1
            merged[tuple(out)] += count
        words = merged
    return sorted(set(byte_chars.values())), merges


def write_byte_level_tokenizer(folder):
    alphabet, merges = learn_bpe(CORPUS, 120)
    vocab = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
    for token in alphabet + [a + b for a, b in merges]:
        vocab.setdefault(token, len(vocab))
    vocab["<mask>"] = len(vocab)
    os.makedirs(folder, exist_ok=True)
    vocab_path, merges_path = os.path.join(folder, "vocab.json"), os.path.join(folder, "merges.txt")
    with open(vocab_path, "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    with open(merges_path, "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in merges))
    tokenizer = RobertaTokenizer(vocab_path, merges_path)
    tokenizer.save_pretrained(folder)
    return RobertaTokenizer.from_pretrained(folder)


def write_wordpiece_tokenizer(folder, tokenizer_class):
    """An uncased WordPiece vocabulary: BERT's special tokens, the corpus' lower-cased words whole, and every character
    alone and as a ##continuation, so any text of the corpus' alphabet tokenizes and unknown characters give [UNK]."""
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    words, chars = set(), set()
    for line in CORPUS:
        for word in regex.findall(r"\p{L}+|\p{N}+|[^\s\p{L}\p{N}]", line.lower()):
            words.add(word)
            chars.update(word)
    pieces = sorted(chars) + ["##" + c for c in sorted(chars)] + sorted(w for w in words if len(w) > 1)
    pieces += ["##ing", "##ed", "##s", "##ness", "cafe", "naive", "resume"]
    os.makedirs(folder, exist_ok=True)
    vocab_path = os.path.join(folder, "vocab.txt")
    with open(vocab_path, "w", encoding="utf-8") as f:
        f.write("".join(t + "\n" for t in specials + [p for p in dict.fromkeys(pieces) if p not in specials]))
    tokenizer_class(vocab_path).save_pretrained(folder)
    return tokenizer_class.from_pretrained(folder)


def nested(t):
    return t.detach().to(torch.float64).tolist()


def batch(tokenizer, pad_id, type_ids):
    """Three rows, right-padded with pad_id: a sentence, a pair, a single word."""
    encoded = [tokenizer("Hello world! The cat sat.")["input_ids"], tokenizer("Où est le café ?", "😀 ok")["input_ids"],
               tokenizer("the")["input_ids"]]
    length = max(len(e) for e in encoded)
    ids = [e + [pad_id] * (length - len(e)) for e in encoded]
    mask = [[1] * len(e) + [0] * (length - len(e)) for e in encoded]
    # Token types exercise the embedding only where the config has two of them; RoBERTa's tokenizer gives zeros.
    types = [[(1 if type_ids > 1 and j >= len(e) // 2 and j < len(e) else 0) for j in range(length)] for e in encoded]
    return ids, mask, types


def make_shape(out, name, config, tokenizer, token_types=True, make_batch=None):
    """make_batch(tokenizer, pad_id) -> (ids, mask, types) replaces this script's batch (DeBERTa's needs longer rows)."""
    folder = os.path.join(out, name)
    torch.manual_seed(0)
    base = AutoModel.from_config(config)
    base.save_pretrained(os.path.join(folder, "base"))
    ids, mask, types = (make_batch(tokenizer, config.pad_token_id) if make_batch
                        else batch(tokenizer, config.pad_token_id, config.type_vocab_size if token_types else 1))
    inputs = {"input_ids": torch.tensor(ids), "attention_mask": torch.tensor(mask)}
    if token_types:  # DistilBERT's forward takes no token_type_ids
        inputs["token_type_ids"] = torch.tensor(types)
    record = {"model_type": config.model_type, "input_ids": ids, "attention_mask": mask, "token_type_ids": types}
    with torch.no_grad():
        base.eval()
        out = base(**inputs)
        record["last_hidden_state"] = nested(out.last_hidden_state)
        if getattr(out, "pooler_output", None) is not None:
            record["pooler_output"] = nested(out.pooler_output)
        heads = [("seq", AutoModelForSequenceClassification, 3), ("tok", AutoModelForTokenClassification, 5),
                 ("qa", AutoModelForQuestionAnswering, None)]
        for seed, (folder_name, auto, labels) in enumerate(heads, start=1):
            torch.manual_seed(seed)
            kwargs = {"num_labels": labels} if labels else {}
            model = auto.from_pretrained(os.path.join(folder, "base"), **kwargs)
            model.eval()
            model.save_pretrained(os.path.join(folder, folder_name))
            result = model(**inputs)
            record[f"{folder_name}_class"] = type(model).__name__
            if folder_name == "qa":
                record["qa_start_logits"] = nested(result.start_logits)
                record["qa_end_logits"] = nested(result.end_logits)
            else:
                record[f"{folder_name}_logits"] = nested(result.logits)
    return record


def tokenizer_cases(tokenizer):
    return {"single": [{"text": t, "input_ids": tokenizer(t)["input_ids"]} for t in TRICKY],
            "pairs": [{"a": a, "b": b, "input_ids": tokenizer(a, b)["input_ids"]} for a, b in PAIRS]}


def write_family(out, tokenizer, shapes, token_types=True, make_batch=None):
    record = {"transformers": __import__("transformers").__version__, "torch": torch.__version__,
              "models": {name: make_shape(out, name, config, tokenizer, token_types, make_batch) for name, config in shapes.items()},
              "tokenizer": tokenizer_cases(tokenizer)}
    with open(os.path.join(out, "outputs.json"), "w", encoding="utf-8") as f:
        json.dump(record, f, ensure_ascii=False)
    print(f"wrote {out}: vocabulary {len(tokenizer)}, models {', '.join(shapes)}")


def roberta_family():
    out = os.path.join(HERE, "roberta")
    tokenizer = write_byte_level_tokenizer(os.path.join(out, "tokenizer"))
    vocab = len(tokenizer)
    write_family(out, tokenizer, {
        "roberta": RobertaConfig(vocab_size=vocab, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=48,
                                 max_position_embeddings=40, type_vocab_size=1, layer_norm_eps=1e-5),
        "xlm-roberta": XLMRobertaConfig(vocab_size=vocab, hidden_size=24, num_hidden_layers=3, num_attention_heads=3,
                                        intermediate_size=40, max_position_embeddings=34, type_vocab_size=1, hidden_act="gelu_new",
                                        layer_norm_eps=1e-5, pad_token_id=1, bos_token_id=0, eos_token_id=2),
        "camembert": CamembertConfig(vocab_size=vocab, hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=20,
                                     max_position_embeddings=30, type_vocab_size=2, layer_norm_eps=1e-5, pad_token_id=3,
                                     bos_token_id=0, eos_token_id=2),
    })


def distilbert_family():
    out = os.path.join(HERE, "distilbert")
    tokenizer = write_wordpiece_tokenizer(os.path.join(out, "tokenizer"), DistilBertTokenizer)
    vocab = len(tokenizer)
    write_family(out, tokenizer, {
        "gelu": DistilBertConfig(vocab_size=vocab, dim=32, n_layers=2, n_heads=4, hidden_dim=48, max_position_embeddings=40),
        "relu-odd-heads": DistilBertConfig(vocab_size=vocab, dim=24, n_layers=3, n_heads=3, hidden_dim=40, max_position_embeddings=36,
                                           activation="relu", seq_classif_dropout=0.3, qa_dropout=0.2),
    }, token_types=False)


def electra_family():
    out = os.path.join(HERE, "electra")
    tokenizer = write_wordpiece_tokenizer(os.path.join(out, "tokenizer"), ElectraTokenizer)
    vocab = len(tokenizer)
    write_family(out, tokenizer, {
        # embedding_size below hidden_size: the embeddings_project Linear.
        "projected": ElectraConfig(vocab_size=vocab, embedding_size=16, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                                   intermediate_size=48, max_position_embeddings=40),
        "same-width": ElectraConfig(vocab_size=vocab, embedding_size=24, hidden_size=24, num_hidden_layers=3, num_attention_heads=3,
                                    intermediate_size=40, max_position_embeddings=36, hidden_act="gelu_new"),
    })


def main():
    torch.set_num_threads(1)
    roberta_family()
    distilbert_family()
    electra_family()


if __name__ == "__main__":
    main()
