"""Peer for the side-by-side NER benchmark: Hugging Face transformers' Trainer fine-tunes all-MiniLM-L6-v2 for
CoNLL-2003 named-entity recognition, with the settings TuneSharp's run uses, and writes its figures.

Run it in the reference environment, at the peer's full speed (see ../shared/reference/README.md):

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE ../shared/reference/py bench/peers/ner_trainer.py \\
        [--epochs 3] [--max-train-samples N] [--seed 42] [--output bench/results/ner_finetune_peer.json]

What it does:
- Data: ../shared/data/conll2003 (IOB2 tags, one "token POS chunk NER" line per word, blank lines between
  sentences). Trains on eng.train (the first --max-train-samples sentences when given), picks the epoch with the
  best entity F1 on eng.testa (dev) and reports that model on eng.testa and eng.testb (test).
- Labels: the first sub-token of each word carries the word's tag; later sub-tokens, [CLS] and [SEP] get -100
  (ignored by the loss and by the metric). The reference environment has only slow (Python) tokenizers, which
  have no word_ids(), so the alignment is built here by tokenizing each word on its own: exactly the sub-tokens a
  fast tokenizer produces with is_split_into_words=True (the slow BertTokenizer also splits a word at punctuation,
  e.g. "1996-08-22"; all those pieces belong to the word). Sequences are cut at max_length 128 ([CLS] and [SEP]
  included); words cut off get no prediction and are left out of the metric on both sides, as in transformers'
  run_ner example; their count is reported.
- Training: AutoModelForTokenClassification, batch 32, learning rate 5e-5, AdamW with the Trainer's defaults
  (linear decay, no warmup, no weight decay), fp32, dynamic padding (DataCollatorForTokenClassification) over
  length-grouped batches (group_by_length, as TuneSharp's recipe does by default; --no-group-by-length turns it off), evaluation
  and a checkpoint every epoch, the best-dev-F1 checkpoint reloaded at the end. torch.set_num_threads(1): OpenBLAS
  runs its own 2 threads, and 2 PyTorch threads on top oversubscribe the 2 cores.
- Metric: entity-level micro precision / recall / F1 as seqeval's default (non-strict) mode computes them
  (seqeval itself is not installed here; see entities() below), plus per entity type.
- Output: a JSON file (--output) in bench/results' layout (benchmark, date_utc, machine, results, notes) and a
  Markdown table beside it: train_runtime (the Trainer's, which includes the per-epoch dev evaluations and
  checkpoint saves; their time is also reported so it can be subtracted), train examples/s, dev and test
  precision/recall/F1, peak RSS, torch/transformers versions and every setting.
"""
import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import peer_results
import torch
import transformers
from transformers import (AutoModelForTokenClassification, AutoTokenizer, DataCollatorForTokenClassification,
                          Trainer, TrainingArguments, set_seed)

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"

# CoNLL-2003's nine tags in the order of the Hugging Face conll2003 dataset's ner_tags feature.
LABELS = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]
IGNORED = -100  # the label CrossEntropyLoss ignores

MAX_LENGTH = 128
BATCH_SIZE = 32
EVAL_BATCH_SIZE = 64
LEARNING_RATE = 5e-5


# ---------------------------------------------------------------------------------------------------------------
# Entity-level metrics (seqeval's default mode)
# ---------------------------------------------------------------------------------------------------------------

def _split_tag(tag):
    """'B-PER' -> ('B', 'PER'); 'O' -> ('O', '_'): the prefix is the first character, the type what follows the first
    '-' after it ('_' when there is none), as seqeval's default (prefix-first) reading of a tag."""
    prefix = tag[0]
    rest = tag[1:]
    kind = rest.split("-", 1)[-1] if rest else ""
    return prefix, kind or "_"


def _chunk_ends(prev_prefix, prefix, prev_kind, kind):
    """Whether the chunk open at the previous word ends before this one (IOB1/IOB2/IOE/IOBES prefixes)."""
    if prev_prefix in ("E", "S"):
        return True
    if prev_prefix in ("B", "I") and prefix in ("B", "S", "O"):
        return True
    return prev_prefix != "O" and prev_kind != kind


def _chunk_starts(prev_prefix, prefix, prev_kind, kind):
    """Whether a chunk starts at this word. Lenient: an I- (or E-) after O, E- or S- starts one too."""
    if prefix in ("B", "S"):
        return True
    if prefix in ("I", "E") and prev_prefix in ("E", "S", "O"):
        return True
    return prefix != "O" and prev_kind != kind


def entities(tags):
    """The entity chunks of one tag sequence as (type, first word, last word) triples, by seqeval's default-mode rules:
    a chunk ends when the previous tag closes it (E-/S-, or B-/I- followed by B-, S- or O) or the type changes,
    and starts at B-/S-, at an I-/E- that follows O, E- or S-, or at a type change. An O is appended so a chunk
    running to the end of the sentence is closed."""
    found = []
    prev_prefix, prev_kind, begin = "O", "_", 0
    for i, tag in enumerate(list(tags) + ["O"]):
        prefix, kind = _split_tag(tag)
        if _chunk_ends(prev_prefix, prefix, prev_kind, kind):
            found.append((prev_kind, begin, i - 1))
        if _chunk_starts(prev_prefix, prefix, prev_kind, kind):
            begin = i
        prev_prefix, prev_kind = prefix, kind
    return found


def entity_scores(true_sequences, predicted_sequences):
    """Micro precision, recall and F1 over the entities of all sentences (an entity counts when type, start and end
    all match), and the same per entity type. 0 where a denominator is 0, as seqeval's default zero_division."""
    true_set, predicted_set = set(), set()
    for n, (truth, predicted) in enumerate(zip(true_sequences, predicted_sequences)):
        if len(truth) != len(predicted):
            raise ValueError(f"sentence {n}: {len(truth)} true tags but {len(predicted)} predicted")
        true_set.update((n,) + e for e in entities(truth))
        predicted_set.update((n,) + e for e in entities(predicted))

    def score(truth, predicted):
        correct = len(truth & predicted)
        precision = correct / len(predicted) if predicted else 0.0
        recall = correct / len(truth) if truth else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return {"precision": precision, "recall": recall, "f1": f1, "support": len(truth)}

    result = score(true_set, predicted_set)
    kinds = sorted({e[1] for e in true_set | predicted_set})
    result["by_type"] = {k: score({e for e in true_set if e[1] == k}, {e for e in predicted_set if e[1] == k}) for k in kinds}
    return result


def check_entity_scores():
    """seqeval's documented examples and hand-worked cases; the run stops before training if one fails."""
    assert entities(["B-PER", "I-PER", "O", "B-LOC"]) == [("PER", 0, 1), ("LOC", 3, 3)]
    assert entities(["O", "I-PER", "I-PER", "O"]) == [("PER", 1, 2)]          # lenient: I- after O starts a chunk
    assert entities(["B-PER", "I-LOC"]) == [("PER", 0, 0), ("LOC", 1, 1)]      # a type change splits
    assert entities(["B-ORG", "B-ORG", "I-ORG"]) == [("ORG", 0, 0), ("ORG", 1, 2)]
    assert entities(["O", "O", "B-MISC"]) == [("MISC", 2, 2)]                  # closed at the end
    assert entities(["O", "O"]) == []
    # One of two entities right (LOC predicted as ORG): P = R = F1 = 1/2.
    s = entity_scores([["B-PER", "I-PER", "O", "B-LOC"]], [["B-PER", "I-PER", "O", "B-ORG"]])
    assert (s["precision"], s["recall"], s["f1"]) == (0.5, 0.5, 0.5)
    # seqeval's README example: f1_score 0.50, MISC precision 0.00, PER precision 1.00.
    s = entity_scores([["O", "O", "O", "B-MISC", "I-MISC", "I-MISC", "O"], ["B-PER", "I-PER", "O"]],
                      [["O", "O", "B-MISC", "I-MISC", "I-MISC", "I-MISC", "O"], ["B-PER", "I-PER", "O"]])
    assert s["f1"] == 0.5 and s["by_type"]["MISC"]["precision"] == 0.0 and s["by_type"]["PER"]["precision"] == 1.0
    # A boundary error counts as both a false positive and a false negative; entities of two sentences never merge.
    s = entity_scores([["B-PER", "I-PER"], ["I-LOC"]], [["B-PER", "O"], ["B-LOC"]])
    assert (s["precision"], s["recall"]) == (0.5, 0.5)


# ---------------------------------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------------------------------

def read_conll(path, limit=None):
    """Sentences of (words, tags) from a CoNLL-2003 file: the first column is the word, the last the NER tag."""
    sentences, words, tags = [], [], []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip():
                if words:
                    sentences.append((words, tags))
                    words, tags = [], []
                    if limit is not None and len(sentences) == limit:
                        return sentences
                continue
            columns = line.split(" ")
            if len(columns) < 2 or columns[0] == "-DOCSTART-":
                if columns[0] == "-DOCSTART-":
                    continue
                raise ValueError(f"{path}:{number}: expected 'word ... tag', got {line!r}")
            if columns[-1] not in LABELS:
                raise ValueError(f"{path}:{number}: unknown NER tag {columns[-1]!r}; expected one of {LABELS}")
            words.append(columns[0])
            tags.append(columns[-1])
    if words:
        sentences.append((words, tags))
    return sentences


class WordAligner:
    """Tokenizes pre-split words one at a time (cached per word) and labels the first sub-token of each word."""

    def __init__(self, tokenizer, max_length):
        self.tokenizer = tokenizer
        self.room = max_length - tokenizer.num_special_tokens_to_add()
        self.cache = {}

    def pieces(self, word):
        if word not in self.cache:
            ids = self.tokenizer.convert_tokens_to_ids(self.tokenizer.tokenize(word))
            # A word the tokenizer drops entirely (only control or zero-width characters) still needs a position.
            self.cache[word] = ids or [self.tokenizer.unk_token_id]
        return self.cache[word]

    def encode(self, words, tags):
        """input_ids, token_type_ids, attention_mask and labels of one sentence, and how many words were cut off."""
        ids, labels = [], []
        kept = 0
        for word, tag in zip(words, tags):
            pieces = self.pieces(word)
            if len(ids) + len(pieces) > self.room:
                break
            ids.extend(pieces)
            labels.extend([LABELS.index(tag)] + [IGNORED] * (len(pieces) - 1))
            kept += 1
        input_ids = self.tokenizer.build_inputs_with_special_tokens(ids)
        # The special tokens ([CLS] ... [SEP] for BERT) get no label; the word pieces keep theirs, in order.
        special = self.tokenizer.get_special_tokens_mask(ids)
        piece_labels = iter(labels)
        labels = [IGNORED if is_special else next(piece_labels) for is_special in special]
        return {
            "input_ids": input_ids,
            "token_type_ids": self.tokenizer.create_token_type_ids_from_sequences(ids),
            "attention_mask": [1] * len(input_ids),
            "labels": labels,
        }, len(words) - kept


def encode_all(aligner, sentences):
    features, cut = [], 0
    for words, tags in sentences:
        feature, dropped = aligner.encode(words, tags)
        features.append(feature)
        cut += dropped
    return features, cut


def word_level_tags(logits, labels):
    """Tag strings of the labelled positions (first sub-tokens of the kept words), true and predicted, per sentence."""
    predictions = np.argmax(logits, axis=-1)
    true_sequences, predicted_sequences = [], []
    for predicted_row, label_row in zip(predictions, labels):
        keep = label_row != IGNORED
        true_sequences.append([LABELS[i] for i in label_row[keep]])
        predicted_sequences.append([LABELS[i] for i in predicted_row[keep]])
    return true_sequences, predicted_sequences


def compute_metrics(prediction):
    scores = entity_scores(*word_level_tags(prediction.predictions, prediction.label_ids))
    return {"precision": scores["precision"], "recall": scores["recall"], "f1": scores["f1"]}


# ---------------------------------------------------------------------------------------------------------------
# Run
# ---------------------------------------------------------------------------------------------------------------

def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=float, default=3, help="training epochs (default 3)")
    parser.add_argument("--max-train-samples", type=int, default=None, help="train on the first N sentences of eng.train")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--no-group-by-length", dest="group_by_length", action="store_false",
                        help="random batches instead of length-grouped ones (grouping is on by default, as TuneSharp's recipe)")
    parser.add_argument("--output", type=Path, default=None,
                        help="result JSON (default bench/results/ner_finetune_peer[_N].json); a .md is written beside it")
    parser.add_argument("--model", type=Path, default=SHARED / "models" / "all-MiniLM-L6-v2")
    parser.add_argument("--data", type=Path, default=SHARED / "data" / "conll2003")
    args = parser.parse_args()
    if args.epochs <= 0:
        parser.error(f"--epochs must be positive, got {args.epochs}")
    if args.max_train_samples is not None and args.max_train_samples < 1:
        parser.error(f"--max-train-samples must be at least 1, got {args.max_train_samples}")
    for path, what in ((args.model, "--model"), (args.data, "--data")):
        if not path.is_dir():
            parser.error(f"{what} folder {path} does not exist")
    for split in ("eng.train", "eng.testa", "eng.testb"):
        if not (args.data / split).is_file():
            parser.error(f"--data folder {args.data} has no {split}")
    if args.output is None:
        suffix = f"_{args.max_train_samples}" if args.max_train_samples else ""
        args.output = REPO / "bench" / "results" / f"ner_finetune_peer{suffix}.json"
    return args


def main():
    args = parse_args()
    check_entity_scores()
    torch.set_num_threads(1)
    set_seed(args.seed)
    started = time.perf_counter()

    tokenizer = AutoTokenizer.from_pretrained(args.model, use_fast=False)
    aligner = WordAligner(tokenizer, MAX_LENGTH)
    preprocess_started = time.perf_counter()
    train_sentences = read_conll(args.data / "eng.train", args.max_train_samples)
    dev_sentences = read_conll(args.data / "eng.testa")
    test_sentences = read_conll(args.data / "eng.testb")
    train, train_cut = encode_all(aligner, train_sentences)
    dev, dev_cut = encode_all(aligner, dev_sentences)
    test, test_cut = encode_all(aligner, test_sentences)
    preprocess_seconds = time.perf_counter() - preprocess_started

    model = AutoModelForTokenClassification.from_pretrained(
        args.model, num_labels=len(LABELS), id2label=dict(enumerate(LABELS)), label2id={l: i for i, l in enumerate(LABELS)})
    checkpoints = tempfile.mkdtemp(prefix="ner-peer-")
    try:
        training_args = TrainingArguments(
            output_dir=checkpoints, per_device_train_batch_size=BATCH_SIZE, per_device_eval_batch_size=EVAL_BATCH_SIZE,
            learning_rate=LEARNING_RATE, num_train_epochs=args.epochs, seed=args.seed,
            evaluation_strategy="epoch", save_strategy="epoch", save_total_limit=1, save_only_model=True,
            load_best_model_at_end=True, metric_for_best_model="f1", greater_is_better=True,
            logging_strategy="epoch", report_to="none", disable_tqdm=True, use_cpu=True,
            group_by_length=args.group_by_length)
        trainer = Trainer(model=model, args=training_args, train_dataset=train, eval_dataset=dev,
                          data_collator=DataCollatorForTokenClassification(tokenizer), compute_metrics=compute_metrics)
        train_metrics = trainer.train().metrics
        history = trainer.state.log_history
        dev_scores = entity_scores(*word_level_tags(*trainer.predict(dev)[:2]))
        test_scores = entity_scores(*word_level_tags(*trainer.predict(test)[:2]))
    finally:
        shutil.rmtree(checkpoints, ignore_errors=True)

    epoch_evaluations = [h for h in history if "eval_f1" in h]
    results = {
        "train_examples": len(train),
        "epochs": args.epochs,
        "train_steps": trainer.state.global_step,
        "train_runtime_s": train_metrics["train_runtime"],
        "train_examples_per_second": len(train) * args.epochs / train_metrics["train_runtime"],
        "epoch_dev_evaluation_s": sum(h["eval_runtime"] for h in epoch_evaluations),
        "preprocess_s": preprocess_seconds,
        "wall_time_s": time.perf_counter() - started,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "dev_precision": dev_scores["precision"], "dev_recall": dev_scores["recall"], "dev_f1": dev_scores["f1"],
        "test_precision": test_scores["precision"], "test_recall": test_scores["recall"], "test_f1": test_scores["f1"],
        "dev_f1_by_epoch": [h["eval_f1"] for h in epoch_evaluations],
        # load_best_model_at_end keeps the first epoch with the highest dev F1.
        "selected_epoch": max(epoch_evaluations, key=lambda h: h["eval_f1"])["epoch"] if epoch_evaluations else None,
        "dev_by_type": dev_scores["by_type"],
        "test_by_type": test_scores["by_type"],
        "words_cut_at_max_length": {"train": train_cut, "dev": dev_cut, "test": test_cut},
        "settings": {
            "model": str(args.model), "data": str(args.data), "max_length": MAX_LENGTH, "batch_size": BATCH_SIZE,
            "eval_batch_size": EVAL_BATCH_SIZE, "learning_rate": LEARNING_RATE, "epochs": args.epochs, "seed": args.seed,
            "max_train_samples": args.max_train_samples, "lr_scheduler": "linear", "warmup_steps": 0, "weight_decay": 0.0,
            "label_first_subtoken_only": True, "selection": "best dev (eng.testa) entity F1 over epochs",
            "group_by_length": args.group_by_length, "fp32": True, "torch_threads": torch.get_num_threads(),
            "tokenizer": type(tokenizer).__name__,
        },
    }
    peer_results.write(args.output, results,
                       "transformers Trainer peer of the NER benchmark: fp32, dynamic padding, AdamW, linear schedule without "
                       "warmup; train_runtime includes the per-epoch dev evaluations and checkpoint saves (epoch_dev_evaluation_s).",
                       "CoNLL-2003 NER fine-tuning of all-MiniLM-L6-v2: transformers Trainer (peer)", type_table(results))
    print(f"dev f1 {results['dev_f1']:.4f}, test f1 {results['test_f1']:.4f}, train_runtime {results['train_runtime_s']:.1f} s "
          f"({results['train_examples_per_second']:.1f} examples/s); results: {args.output}")


def type_table(results):
    """Dev F1 by epoch and the per-type scores, for the Markdown file."""
    lines = [f"dev F1 by epoch: {', '.join(f'{f:.4f}' for f in results['dev_f1_by_epoch'])}", "",
             "| type | dev P | dev R | dev F1 | test P | test R | test F1 |", "|---|---|---|---|---|---|---|"]
    for kind in sorted(set(results["dev_by_type"]) | set(results["test_by_type"])):
        d = results["dev_by_type"].get(kind, {})
        t = results["test_by_type"].get(kind, {})
        cells = [d.get("precision", 0), d.get("recall", 0), d.get("f1", 0), t.get("precision", 0), t.get("recall", 0), t.get("f1", 0)]
        lines.append(f"| {kind} | " + " | ".join(f"{c:.4f}" for c in cells) + " |")
    return lines


if __name__ == "__main__":
    sys.exit(main())
