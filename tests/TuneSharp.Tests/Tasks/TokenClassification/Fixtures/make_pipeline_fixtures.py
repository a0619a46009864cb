"""Writes the fixtures of TokenClassificationPipelineTests.cs beside this script:

- tiny_ner/config.json and tiny_ner/model_without_word_embeddings.safetensors: a tiny BertForTokenClassification
  (hidden 32, 2 layers, labels O, B-PER, I-PER, B-LOC, I-LOC, B-ORG, I-ORG) built with from_config (seed 0; its head
  redrawn wider, with a bias that favours I- labels, so that predictions are confident and entities span several
  tokens) and saved with save_pretrained, except its word embeddings. With the real all-MiniLM-L6-v2 vocabulary (30,522 rows)
  those alone would be 3.9 MB, so they are set to a closed-form table (word_embeddings() below, float64 arithmetic
  rounded once to float32) that the test rebuilds exactly before loading the folder.
- pipeline_fixtures.json: for each sentence, the tokens, their offsets and what transformers' TokenClassificationPipeline
  returns for every aggregation strategy, with the default ignore_labels (["O"]) and with none ignored.

Run in the reference environment, from anywhere:
    ../shared/reference/py tests/TuneSharp.Tests/Tasks/TokenClassification/Fixtures/make_pipeline_fixtures.py

The reference environment has only slow tokenizers, which give no offset_mapping, so the pipeline cannot run end to
end. This script runs its steps itself: the model's forward pass, then the pipeline's own postprocess() (softmax,
gather_pre_entities, aggregate, ignore_labels filter) on offsets computed here the way BertTokenizerFast computes
them: each basic-tokenizer word is found in the text (characters compared after the same lower-casing and accent
stripping), each WordPiece token covers the characters its text came from, [UNK] covers its whole word. Because
postprocess() asks `tokenizer._tokenizer.model.continuing_subword_prefix` to decide that it is looking at a WordPiece
tokenizer (fast tokenizers only), the slow tokenizer is given that attribute ("##"), so gather_pre_entities takes the
same branch (is_subword = the token's text is not as long as its span) as with BertTokenizerFast. The sentences are
made up for this file.
"""
import json
import os
import tempfile
import types
import unicodedata

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from transformers import AutoModelForTokenClassification, BertConfig, BertTokenizer, TokenClassificationPipeline

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", "..", "..", "..", ".."))
SHARED = os.environ.get("TUNESHARP_SHARED") or os.path.join(REPO, "..", "shared")
MINILM = os.path.join(SHARED, "models", "all-MiniLM-L6-v2")
MODEL_DIR = os.path.join(HERE, "tiny_ner")
WEIGHTS = "model_without_word_embeddings.safetensors"
WORD_EMBEDDINGS = "bert.embeddings.word_embeddings.weight"

LABELS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG"]
STRATEGIES = ["none", "simple", "first", "average", "max"]
SENTENCES = [
    "Zoë Saldaña visited Montréal and São Paulo, then flew to Düsseldorf.",
    "Schwarzenegger met Jean-Baptiste O'Neill at Reykjavík's airport!",
    "Hugging Face Inc. is a company based in New York City 😀 ok",
    "  Ana  lives in\tLisbon\nand works for ACME-Corp (since 2019).",
    "The unbelievably tokenizable Kłodzko-Wrocław railway opened.",
]


def word_embeddings(vocab_size, hidden_size):
    """A hash of (row, column) scaled to [-0.05, 0.05): the same float32 values in C# (TinyNerModel.WordEmbedding)."""
    i = np.arange(vocab_size, dtype=np.uint64)[:, None]
    j = np.arange(hidden_size, dtype=np.uint64)[None, :]
    m = np.uint64(0xFFFFFFFF)
    x = (i * np.uint64(2654435761) + j * np.uint64(40503) + np.uint64(12345)) & m
    x = ((x ^ (x >> np.uint64(15))) * np.uint64(2246822519)) & m
    x = x ^ (x >> np.uint64(13))
    return ((x.astype(np.float64) / 4294967296.0 - 0.5) * 0.1).astype(np.float32)


def build_model():
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=30522, hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
        max_position_embeddings=128, id2label=dict(enumerate(LABELS)), label2id={l: i for i, l in enumerate(LABELS)},
        architectures=["BertForTokenClassification"])
    model = AutoModelForTokenClassification.from_config(config)
    with torch.no_grad():
        model.bert.embeddings.word_embeddings.weight.copy_(torch.from_numpy(word_embeddings(30522, 32)))
        # A wider head than initializer_range gives: confident, varied labels, so no token is near a tie.
        model.classifier.weight.normal_(0.0, 0.6)
        # I- labels favoured, so that entities of several tokens and words occur.
        model.classifier.bias.copy_(torch.tensor([0.5, -0.8, 1.2, -0.3, 1.0, -0.3, 1.0]))
    return model.eval()


def normalize_char(c):
    """What BERT's uncased basic tokenizer turns one character into (lower case, accents stripped)."""
    return "".join(ch for ch in unicodedata.normalize("NFD", c.lower()) if unicodedata.category(ch) != "Mn")


def offsets_of(tok, text):
    """WordPiece tokens of text with their (start, end) character spans, as BertTokenizerFast's offset_mapping."""
    stream = [(n, i) for i, c in enumerate(text) for n in normalize_char(c)]  # normalized chars and where they came from
    pos = 0
    tokens, spans = [], []
    for word in tok.basic_tokenizer.tokenize(text, never_split=tok.all_special_tokens):
        while stream[pos][0].isspace():
            pos += 1
        word_start = pos
        assert "".join(n for n, _ in stream[pos:pos + len(word)]) == word, (text, word)
        pieces = tok.wordpiece_tokenizer.tokenize(word)
        if pieces == [tok.unk_token]:
            tokens.append(tok.unk_token)
            spans.append((stream[word_start][1], stream[word_start + len(word) - 1][1] + 1))
        else:
            for piece in pieces:
                piece_text = piece[2:] if piece.startswith("##") else piece
                first = pos
                pos += len(piece_text)
                tokens.append(piece)
                spans.append((stream[first][1], stream[pos - 1][1] + 1))
        pos = word_start + len(word)
    assert tokens == tok.tokenize(text), (tokens, tok.tokenize(text))
    return tokens, spans


def plain(entity):
    out = {}
    for key, value in entity.items():
        out[key] = float(value) if key == "score" else int(value) if key in ("start", "end", "index") else value
    return out


def main():
    tok = BertTokenizer.from_pretrained(MINILM)
    # See the module docstring: lets gather_pre_entities decide sub-words as it does for BertTokenizerFast.
    tok._tokenizer = types.SimpleNamespace(model=types.SimpleNamespace(continuing_subword_prefix="##"))
    model = build_model()
    pipeline = TokenClassificationPipeline(model=model, tokenizer=tok, framework="pt")

    with tempfile.TemporaryDirectory() as tmp:
        model.save_pretrained(tmp)
        state = load_file(os.path.join(tmp, "model.safetensors"))
        os.makedirs(MODEL_DIR, exist_ok=True)
        with open(os.path.join(tmp, "config.json")) as f:
            config = json.load(f)
        with open(os.path.join(MODEL_DIR, "config.json"), "w") as f:
            json.dump(config, f, indent=2, sort_keys=True)
            f.write("\n")
    assert np.array_equal(state.pop(WORD_EMBEDDINGS).numpy(), word_embeddings(30522, 32))
    save_file(state, os.path.join(MODEL_DIR, WEIGHTS), metadata={"format": "pt"})

    cases = []
    smallest_margin = 1.0
    for sentence in SENTENCES:
        tokens, spans = offsets_of(tok, sentence)
        enc = tok(sentence, return_tensors="pt", return_special_tokens_mask=True)
        offsets = [(0, 0)] + spans + [(0, 0)]
        assert enc["input_ids"].shape[1] == len(offsets)
        with torch.no_grad():
            logits = model(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"],
                           token_type_ids=enc["token_type_ids"]).logits
        top2 = torch.topk(logits.softmax(-1)[0, 1:-1], 2, dim=-1).values
        smallest_margin = min(smallest_margin, float((top2[:, 0] - top2[:, 1]).min()))
        outputs = [{
            "logits": logits, "sentence": sentence, "input_ids": enc["input_ids"],
            "offset_mapping": torch.tensor([offsets]), "special_tokens_mask": enc["special_tokens_mask"], "is_last": True,
        }]
        results = {}
        for strategy in STRATEGIES:
            for ignore, key in ((None, strategy), ([], strategy + "+all")):
                entities = pipeline.postprocess(outputs, aggregation_strategy=pipeline_strategy(strategy), ignore_labels=ignore)
                results[key] = [plain(e) for e in entities]
        cases.append({"text": sentence, "tokens": tokens, "offsets": [list(s) for s in spans],
                      "labels": [LABELS[i] for i in logits[0, 1:-1].argmax(-1).tolist()], "entities": results})
    # Scores are compared at 1e-5: a top-2 gap far above that means no argmax can flip between the two runtimes.
    assert smallest_margin > 1e-3, smallest_margin

    with open(os.path.join(HERE, "pipeline_fixtures.json"), "w", encoding="utf-8") as f:
        f.write(compact_json({"model": "tiny_ner", "labels": LABELS, "cases": cases}))
    print(f"{len(cases)} sentences; smallest top-2 probability gap {smallest_margin:.4f}")
    for case in cases:
        print(" ".join(f"{t}/{l}" for t, l in zip(case["tokens"], case["labels"])))


def compact_json(fixture):
    """JSON with one line per token list and per entity (small diffs when the fixture is regenerated)."""
    one = lambda value: json.dumps(value, ensure_ascii=False)
    lines = ["{", f' "model": {one(fixture["model"])},', f' "labels": {one(fixture["labels"])},', ' "cases": [']
    for c, case in enumerate(fixture["cases"]):
        lines.append("  {")
        for key in ("text", "tokens", "offsets", "labels"):
            lines.append(f'   {one(key)}: {one(case[key])},')
        lines.append('   "entities": {')
        results = list(case["entities"].items())
        for r, (name, entities) in enumerate(results):
            body = ",\n".join("     " + one(e) for e in entities)
            lines.append(f'    {one(name)}: [' + ("\n" + body + "\n    ]" if entities else "]") + ("," if r < len(results) - 1 else ""))
        lines.append("   }")
        lines.append("  }" + ("," if c < len(fixture["cases"]) - 1 else ""))
    lines += [" ]", "}", ""]
    return "\n".join(lines)


def pipeline_strategy(name):
    from transformers.pipelines.token_classification import AggregationStrategy
    return AggregationStrategy[name.upper()]


if __name__ == "__main__":
    main()
