"""Peer for the side-by-side SQuAD benchmark: Hugging Face transformers' Trainer fine-tunes all-MiniLM-L6-v2 for
extractive question answering on SQuAD v1.1 dev split by article, with the settings TuneSharp's run uses
(bench/TuneSharp.Bench/SquadFineTuneBenchmark.cs), and writes its figures.

Run it in the reference environment, at the peer's full speed (see ../shared/reference/README.md):

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE ../shared/reference/py bench/peers/squad_trainer.py \\
        [--epochs 2] [--max-train-samples N] [--max-length 384] [--doc-stride 128] [--learning-rate 5e-5] [--seed 42] \\
        [--output bench/results/squad_finetune_peer.json]

What it does:
- Data: ../shared/data/squad/dev-v1.1.json. Its articles are split in file order: the first len(data)*8//10 train,
  the rest are held out (as SquadFineTuneBenchmark.SplitByArticle does; no held-out question shares a context with
  training). Both parts are written to a temporary folder and read back with transformers' SquadV1Processor
  (get_train_examples for the training part: one answer per question, the first; get_dev_examples for the held-out
  part: all gold answers). --max-train-samples N keeps the first N training questions in file order;
  --max-eval-samples N (for quick checks only) the first N held-out questions.
- Features: the reference environment has only slow (Python) tokenizers, so the windows come from transformers'
  legacy SQuAD pipeline (transformers.data.processors.squad): squad_convert_example_to_features, the function
  squad_convert_examples_to_features maps over the examples. Its doc_stride is the STEP between the starts of
  consecutive windows (window k starts at context token k*doc_stride; encode_plus's overflow stride is set to
  max_length - doc_stride - question tokens - 3, so windows overlap by that many tokens), whereas --doc-stride here,
  as in run_qa.py with a fast tokenizer and in TuneSharp, is the number of context tokens two consecutive windows
  SHARE. The room for context in a window depends on the question's length,
      room = max_length - question tokens - 3      ([CLS] question [SEP] context [SEP]),
  so one legacy doc_stride cannot give every question the same overlap. The script therefore calls the per-example
  function itself (after squad_convert_example_to_features_init(tokenizer), as the pool initializer does) with
      step = room - doc_stride_overlap        (per question; an error if it is below 1, as TuneSharp refuses a
                                               question that leaves no room beyond the overlap)
  and numbers the features (example_index, unique_id) as squad_convert_examples_to_features does, except that
  example_index is always the question's position (that function skips the number of a training question whose
  answer it cannot find). Every question with more than one window is then checked against its context tokenized
  on its own: each window's context tokens are the slice [k*step, k*step + length) of it, every window but the last
  is full, consecutive windows share exactly --doc-stride tokens, and the last window ends with the context. The
  legacy max_query_length is set to max_length - 3 - doc_stride - 1 (the longest question that still leaves a step
  of one token), so no question is cut; the longest question and the count above 64 tokens (run_squad.py's default
  max_query_length) are reported. Features are built with padding_strategy "do_not_pad" (the legacy default pads
  every window to max_length) and batches are padded to their longest feature by DataCollatorWithPadding: the
  peer's fastest configuration. Labels: the answer's first and last token in the window, or the CLS index (0) when
  the answer is not wholly inside the window (the legacy function's is_training=True labelling: the answer's words
  mapped to their WordPiece tokens and narrowed by _improve_answer_span to the tokens that spell the answer when
  such tokens exist; an answer that is part of a token, e.g. "gold" in '"golden', keeps its whole word's tokens,
  where run_qa.py's character offsets would keep only 'golden').
- Training: AutoModelForQuestionAnswering from the model folder (a fresh qa_outputs head), batch 32 (--batch-size),
  learning rate 5e-5 (--learning-rate), AdamW with the Trainer's defaults (linear decay, no weight decay; warmup
  only with --warmup-ratio), fp32, seed 42, logging every 50
  steps, length-grouped batches (group_by_length, as TuneSharp's recipe does by default; --no-group-by-length turns
  it off), no checkpoints (save_strategy "no"). The held-out articles are evaluated after every epoch (an override of
  Trainer.evaluate: predict in batches of 64, then post-processing and the metric, all timed) and the last model is
  kept, as TuneSharp does. torch.set_num_threads(1): OpenBLAS runs its own 2 threads, and 2 PyTorch threads on top
  oversubscribe the 2 cores. For evaluation the held-out features are fed longest first (less padding) and their
  logits put back in feature order.
- Answers and metric: transformers' legacy compute_predictions_logits (n_best_size 20, max_answer_length 30,
  do_lower_case from the tokenizer: True for this uncased model; SQuAD v1.1, no null answer), each window's logits
  cut to the window's own length first (padding positions never take an n-best slot; TuneSharp ranks a window's own
  positions too); exact match and F1 as the official evaluate-v1.1.py computes them (transformers' normalize_answer,
  the best over all of a question's gold answers, in percent; see squad_v1_scores), as TuneSharp's SquadMetrics
  .ComputeV1 does. transformers' squad_evaluate (evaluate-v2.0.py's rules: gold answers that normalise to the empty
  string are dropped, and an empty prediction matches an empty gold) is reported beside it; the two differ only
  where a gold answer normalises to nothing (2 answers of the held-out articles).
- Output: a JSON file (--output) in bench/results' layout (benchmark, date_utc, machine, results, notes) and a
  Markdown table beside it: article/question/feature counts, the step range, train_runtime (the Trainer's, which
  includes the per-epoch evaluations; their time is also reported so it can be subtracted), train examples/s
  (features x epochs / train_runtime, and the Trainer's train_samples_per_second), held-out exact match and F1 (last
  epoch, and per epoch), peak RSS, torch/transformers versions and every setting.
"""
import argparse
import collections
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import peer_results
import torch
import transformers
from transformers import (AutoModelForQuestionAnswering, AutoTokenizer, DataCollatorWithPadding, Trainer,
                          TrainingArguments, set_seed)
from transformers.data.metrics.squad_metrics import compute_predictions_logits, normalize_answer, squad_evaluate
from transformers.data.processors import squad as legacy_squad
from transformers.data.processors.squad import SquadResult, SquadV1Processor

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"

BATCH_SIZE = 32
EVAL_BATCH_SIZE = 64
LEARNING_RATE = 5e-5
LOGGING_STEPS = 50
N_BEST_SIZE = 20
MAX_ANSWER_LENGTH = 30
RUN_SQUAD_MAX_QUERY_LENGTH = 64  # run_squad.py's default, reported for information only


# ---------------------------------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------------------------------

def split_by_article(squad_path, folder):
    """Writes the first 80% of the file's articles (rounded down) and the rest as two SQuAD JSON files, in file order;
    returns their names and the two article counts."""
    root = json.loads(Path(squad_path).read_text(encoding="utf-8"))
    articles = root["data"]
    cut = len(articles) * 8 // 10
    for name, part in (("train.json", articles[:cut]), ("held_out.json", articles[cut:])):
        (Path(folder) / name).write_text(json.dumps({"version": root.get("version"), "data": part}), encoding="utf-8")
    return "train.json", "held_out.json", cut, len(articles) - cut


class Windows:
    """Features of one set of SquadExamples from the legacy per-example function, with a per-question step so that
    consecutive windows share exactly `overlap` context tokens."""

    def __init__(self, tokenizer, max_length, overlap):
        self.tokenizer = tokenizer
        self.max_length = max_length
        self.overlap = overlap
        # As the legacy function counts them: [CLS] q [SEP] c [SEP] -> 3 for BERT.
        self.pair_added = tokenizer.model_max_length - tokenizer.max_len_sentences_pair
        # The longest question that leaves a step of at least one token.
        self.max_query_length = max_length - self.pair_added - overlap - 1
        if self.max_query_length < 1:
            raise ValueError(f"max_length {max_length} leaves no room for a question with doc_stride {overlap}")
        legacy_squad.squad_convert_example_to_features_init(tokenizer)

    def question_length(self, example):
        # Exactly the legacy function's query encoding, without its cut.
        return len(self.tokenizer.encode(example.question_text, add_special_tokens=False))

    def convert(self, examples, is_training):
        """(features, per-question figures): features numbered as squad_convert_examples_to_features numbers them."""
        features, steps, question_lengths, skipped, windowed, checked_pairs = [], [], [], 0, 0, 0
        unique_id = 1000000000
        for index, example in enumerate(examples):
            q_len = self.question_length(example)
            question_lengths.append(q_len)
            if q_len > self.max_query_length:
                raise ValueError(
                    f"question {example.qas_id!r} has {q_len} tokens: with max_length {self.max_length} and doc_stride "
                    f"{self.overlap} windows have no room left beyond the overlap; raise --max-length or lower --doc-stride")
            room = self.max_length - q_len - self.pair_added
            step = room - self.overlap
            steps.append(step)
            made = legacy_squad.squad_convert_example_to_features(
                example, max_seq_length=self.max_length, doc_stride=step, max_query_length=self.max_query_length,
                padding_strategy="do_not_pad", is_training=is_training)
            if not made:  # training question whose answer the legacy code cannot find in the context
                skipped += 1
                continue
            if len(made) > 1:
                windowed += 1
                checked_pairs += self.check_windows(example, made, step, room)
            for feature in made:
                feature.example_index = index
                feature.unique_id = unique_id
                unique_id += 1
                features.append(feature)
        figures = {
            "questions": len(examples), "features": len(features), "questions_with_several_windows": windowed,
            "window_pairs_checked": checked_pairs, "questions_skipped_answer_not_found": skipped,
            "step_min": min(steps) if steps else None, "step_max": max(steps) if steps else None,
            "longest_question_tokens": max(question_lengths) if question_lengths else None,
            f"questions_over_{RUN_SQUAD_MAX_QUERY_LENGTH}_tokens": sum(q > RUN_SQUAD_MAX_QUERY_LENGTH for q in question_lengths),
            "questions_cut_at_max_query_length": sum(q > self.max_query_length for q in question_lengths),
        }
        return features, figures

    def check_windows(self, example, windows, step, room):
        """Checks one question's windows against its context tokenized on its own (the legacy function's word-by-word
        WordPiece tokenization); returns the number of consecutive pairs checked."""
        context = self.tokenizer.convert_tokens_to_ids([t for w in example.doc_tokens for t in self.tokenizer.tokenize(w)])
        pieces = []
        for k, window in enumerate(windows):
            first = min(window.token_to_orig_map)  # the first context position: after [CLS] question [SEP]
            piece = window.input_ids[first:first + window.paragraph_len]
            if piece != context[k * step:k * step + len(piece)]:
                raise AssertionError(f"{example.qas_id}: window {k} is not context tokens {k * step}..")
            if window.input_ids[first + len(piece):] != [self.tokenizer.sep_token_id] or self.tokenizer.pad_token_id in window.input_ids:
                raise AssertionError(f"{example.qas_id}: window {k} does not end with [SEP] after its context, or is padded")
            if k < len(windows) - 1 and len(piece) != room:
                raise AssertionError(f"{example.qas_id}: window {k} of {len(windows)} holds {len(piece)} context tokens, not {room}")
            pieces.append(piece)
        for k in range(len(pieces) - 1):
            shared = len(pieces[k]) - step
            if shared != self.overlap or pieces[k][step:] != pieces[k + 1][:shared]:
                raise AssertionError(f"{example.qas_id}: windows {k} and {k + 1} share {shared} tokens, not {self.overlap}")
        if (len(pieces) - 1) * step + len(pieces[-1]) != len(context):
            raise AssertionError(f"{example.qas_id}: the last window does not end with the context")
        return len(pieces) - 1


def train_rows(features):
    return [{"input_ids": f.input_ids, "token_type_ids": f.token_type_ids, "attention_mask": f.attention_mask,
             "start_positions": f.start_position, "end_positions": f.end_position} for f in features]


class HeldOut:
    """The held-out questions, their features (fed longest first) and the scoring of the model's logits."""

    def __init__(self, examples, features, tokenizer, do_lower_case):
        self.examples = examples
        self.features = features
        self.tokenizer = tokenizer
        self.do_lower_case = do_lower_case
        self.order = sorted(range(len(features)), key=lambda i: -len(features[i].input_ids))
        self.rows = [{"input_ids": features[i].input_ids, "token_type_ids": features[i].token_type_ids,
                      "attention_mask": features[i].attention_mask} for i in self.order]

    def score(self, predictions):
        start_logits, end_logits = predictions[:2]
        results = []
        for position, i in enumerate(self.order):
            feature = self.features[i]
            length = len(feature.input_ids)
            results.append(SquadResult(feature.unique_id, start_logits[position, :length].tolist(),
                                       end_logits[position, :length].tolist()))
        answers = compute_predictions_logits(
            self.examples, self.features, results, n_best_size=N_BEST_SIZE, max_answer_length=MAX_ANSWER_LENGTH,
            do_lower_case=self.do_lower_case, output_prediction_file=None, output_nbest_file=None,
            output_null_log_odds_file=None, verbose_logging=False, version_2_with_negative=False,
            null_score_diff_threshold=0.0, tokenizer=self.tokenizer)
        exact, f1 = squad_v1_scores(self.examples, answers)
        v2 = squad_evaluate(self.examples, answers)
        return exact, f1, len(self.examples), v2["exact"], v2["f1"]


def squad_v1_f1(prediction, gold):
    """evaluate-v1.1.py's f1_score: token F1 of the normalised texts, 0 when they share no token (also both empty)."""
    predicted, truth = normalize_answer(prediction).split(), normalize_answer(gold).split()
    same = sum((collections.Counter(predicted) & collections.Counter(truth)).values())
    if same == 0:
        return 0.0
    precision, recall = same / len(predicted), same / len(truth)
    return 2 * precision * recall / (precision + recall)


def squad_v1_scores(examples, answers):
    """evaluate-v1.1.py: exact match and F1, each the best over all of a question's gold answers, in percent over all
    questions (transformers' normalize_answer is the official normalisation)."""
    exact = f1 = 0.0
    for example in examples:
        golds = [a["text"] for a in example.answers]
        prediction = answers.get(example.qas_id)
        if prediction is None:
            continue
        exact += max(float(normalize_answer(prediction) == normalize_answer(g)) for g in golds)
        f1 += max(squad_v1_f1(prediction, g) for g in golds)
    return 100 * exact / len(examples), 100 * f1 / len(examples)


class HeldOutTrainer(Trainer):
    """Trainer whose evaluation (per epoch) answers the held-out questions and scores them with SQuAD's metric."""

    def __init__(self, *args, held_out, **kwargs):
        super().__init__(*args, **kwargs)
        self.held_out = held_out
        self.evaluations = []

    def evaluate(self, eval_dataset=None, ignore_keys=None, metric_key_prefix="eval"):
        started = time.perf_counter()
        output = self.predict(self.held_out.rows, ignore_keys=ignore_keys)
        predicted = time.perf_counter()
        exact, f1, total, exact_v2, f1_v2 = self.held_out.score(output.predictions)
        done = time.perf_counter()
        metrics = {f"{metric_key_prefix}_exact_match": exact, f"{metric_key_prefix}_f1": f1,
                   f"{metric_key_prefix}_questions": total, f"{metric_key_prefix}_squad_evaluate_exact": exact_v2,
                   f"{metric_key_prefix}_squad_evaluate_f1": f1_v2, f"{metric_key_prefix}_runtime": done - started,
                   f"{metric_key_prefix}_predict_s": predicted - started, f"{metric_key_prefix}_postprocess_s": done - predicted}
        self.log(metrics)
        self.evaluations.append({"epoch": self.state.epoch, "step": self.state.global_step, **metrics})
        self.control = self.callback_handler.on_evaluate(self.args, self.state, self.control, metrics)
        return metrics


# ---------------------------------------------------------------------------------------------------------------
# Run
# ---------------------------------------------------------------------------------------------------------------

def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=float, default=2, help="training epochs (default 2)")
    parser.add_argument("--max-train-samples", type=int, default=None, help="train on the first N training questions")
    parser.add_argument("--max-eval-samples", type=int, default=None,
                        help="score only the first N held-out questions (quick checks; default all)")
    parser.add_argument("--max-length", type=int, default=384, help="tokens per window, question and special tokens included (default 384)")
    parser.add_argument("--doc-stride", type=int, default=128,
                        help="context tokens shared by consecutive windows (default 128; run_qa.py's and TuneSharp's meaning)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--learning-rate", type=float, default=LEARNING_RATE, help=f"peak learning rate (default {LEARNING_RATE:g})")
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, help=f"training batch size (default {BATCH_SIZE})")
    parser.add_argument("--warmup-ratio", type=float, default=0.0,
                        help="fraction of the steps over which the learning rate rises linearly from 0 (default 0: none)")
    parser.add_argument("--no-group-by-length", dest="group_by_length", action="store_false",
                        help="random batches instead of length-grouped ones (grouping is on by default, as TuneSharp's recipe)")
    parser.add_argument("--output", type=Path, default=None,
                        help="result JSON (default bench/results/squad_finetune_peer[_N].json); a .md is written beside it")
    parser.add_argument("--model", type=Path, default=SHARED / "models" / "all-MiniLM-L6-v2")
    parser.add_argument("--data", type=Path, default=SHARED / "data" / "squad" / "dev-v1.1.json")
    args = parser.parse_args()
    if args.epochs <= 0:
        parser.error(f"--epochs must be positive, got {args.epochs}")
    for name in ("max_train_samples", "max_eval_samples"):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1, got {getattr(args, name)}")
    if args.batch_size < 1:
        parser.error(f"--batch-size must be at least 1, got {args.batch_size}")
    if not 0 <= args.warmup_ratio <= 1:
        parser.error(f"--warmup-ratio must be in [0, 1], got {args.warmup_ratio}")
    if args.max_length < 8:
        parser.error(f"--max-length must be at least 8, got {args.max_length}")
    if not 0 <= args.doc_stride < args.max_length:
        parser.error(f"--doc-stride must be 0 or more and below --max-length, got {args.doc_stride}")
    if not args.model.is_dir():
        parser.error(f"--model folder {args.model} does not exist")
    if not args.data.is_file():
        parser.error(f"--data file {args.data} does not exist")
    if args.output is None:
        suffix = f"_{args.max_train_samples}" if args.max_train_samples else ""
        args.output = REPO / "bench" / "results" / f"squad_finetune_peer{suffix}.json"
    return args


def main():
    args = parse_args()
    torch.set_num_threads(1)
    set_seed(args.seed)
    started = time.perf_counter()

    tokenizer = AutoTokenizer.from_pretrained(args.model, use_fast=False)
    if args.max_length > tokenizer.model_max_length:
        raise SystemExit(f"--max-length {args.max_length} is beyond the model's {tokenizer.model_max_length} positions")
    do_lower_case = bool(getattr(tokenizer, "do_lower_case", False))
    preprocess_started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="squad-peer-") as folder:
        train_file, held_out_file, train_articles, held_out_articles = split_by_article(args.data, folder)
        processor = SquadV1Processor()
        train_examples = processor.get_train_examples(folder, filename=train_file)
        held_out_examples = processor.get_dev_examples(folder, filename=held_out_file)
    train_examples = train_examples[:args.max_train_samples] if args.max_train_samples else train_examples
    held_out_examples = held_out_examples[:args.max_eval_samples] if args.max_eval_samples else held_out_examples
    windows = Windows(tokenizer, args.max_length, args.doc_stride)
    train_features, train_figures = windows.convert(train_examples, is_training=True)
    held_out_features, held_out_figures = windows.convert(held_out_examples, is_training=False)
    preprocess_seconds = time.perf_counter() - preprocess_started
    held_out = HeldOut(held_out_examples, held_out_features, tokenizer, do_lower_case)
    train = train_rows(train_features)

    model = AutoModelForQuestionAnswering.from_pretrained(args.model)
    with tempfile.TemporaryDirectory(prefix="squad-peer-out-") as output_dir:
        training_args = TrainingArguments(
            output_dir=output_dir, per_device_train_batch_size=args.batch_size, per_device_eval_batch_size=EVAL_BATCH_SIZE,
            learning_rate=args.learning_rate, warmup_ratio=args.warmup_ratio, num_train_epochs=args.epochs, seed=args.seed,
            evaluation_strategy="epoch", save_strategy="no", logging_strategy="steps", logging_steps=LOGGING_STEPS,
            report_to="none", disable_tqdm=True, use_cpu=True, group_by_length=args.group_by_length)
        trainer = HeldOutTrainer(model=model, args=training_args, train_dataset=train, eval_dataset=held_out.rows,
                                 data_collator=DataCollatorWithPadding(tokenizer), held_out=held_out)
        train_metrics = trainer.train().metrics
        # The evaluations run inside train() (one per epoch) are part of train_runtime.
        evaluation_in_training_s = sum(e["eval_runtime"] for e in trainer.evaluations)
        if not trainer.evaluations or trainer.evaluations[-1]["step"] != trainer.state.global_step:
            trainer.evaluate()  # the last model, should the last epoch end without an evaluation
    final = trainer.evaluations[-1]
    runtime = train_metrics["train_runtime"]

    results = {
        "train_articles": train_articles,
        "held_out_articles": held_out_articles,
        "max_train_samples": args.max_train_samples if args.max_train_samples else "all",
        "train_questions": train_figures["questions"],
        "train_questions_skipped_answer_not_found": train_figures["questions_skipped_answer_not_found"],
        "train_features": train_figures["features"],
        "train_questions_with_several_windows": train_figures["questions_with_several_windows"],
        "held_out_questions": held_out_figures["questions"],
        "held_out_features": held_out_figures["features"],
        "held_out_questions_with_several_windows": held_out_figures["questions_with_several_windows"],
        "epochs": args.epochs,
        "max_length": args.max_length,
        "doc_stride": args.doc_stride,
        "legacy_doc_stride_step_min": min(train_figures["step_min"] or 10**9, held_out_figures["step_min"] or 10**9),
        "legacy_doc_stride_step_max": max(train_figures["step_max"] or 0, held_out_figures["step_max"] or 0),
        "window_pairs_checked_overlap": train_figures["window_pairs_checked"] + held_out_figures["window_pairs_checked"],
        "longest_question_tokens": max(train_figures["longest_question_tokens"] or 0, held_out_figures["longest_question_tokens"] or 0),
        f"questions_over_{RUN_SQUAD_MAX_QUERY_LENGTH}_tokens": train_figures[f"questions_over_{RUN_SQUAD_MAX_QUERY_LENGTH}_tokens"]
        + held_out_figures[f"questions_over_{RUN_SQUAD_MAX_QUERY_LENGTH}_tokens"],
        "questions_cut": train_figures["questions_cut_at_max_query_length"] + held_out_figures["questions_cut_at_max_query_length"],
        "train_steps": trainer.state.global_step,
        "train_runtime_s": runtime,
        "train_examples_per_second": train_figures["features"] * args.epochs / runtime,
        "trainer_train_samples_per_second": train_metrics.get("train_samples_per_second"),
        "epoch_evaluation_s": evaluation_in_training_s,
        "train_runtime_without_evaluation_s": runtime - evaluation_in_training_s,
        "train_examples_per_second_without_evaluation": train_figures["features"] * args.epochs / (runtime - evaluation_in_training_s),
        "last_evaluation_s": final["eval_runtime"],
        "last_evaluation_predict_s": final["eval_predict_s"],
        "last_evaluation_postprocess_s": final["eval_postprocess_s"],
        "preprocess_s": preprocess_seconds,
        "wall_time_s": time.perf_counter() - started,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "held_out_exact_match": final["eval_exact_match"],
        "held_out_f1": final["eval_f1"],
        "held_out_squad_evaluate_exact": final["eval_squad_evaluate_exact"],
        "held_out_squad_evaluate_f1": final["eval_squad_evaluate_f1"],
        "held_out_exact_match_by_epoch": [e["eval_exact_match"] for e in trainer.evaluations],
        "held_out_f1_by_epoch": [e["eval_f1"] for e in trainer.evaluations],
        "evaluated_at_epoch": [e["epoch"] for e in trainer.evaluations],
        "train_loss": train_metrics.get("train_loss"),
        "settings": {
            "model": str(args.model), "data": str(args.data), "split": "first len(data)*8//10 articles train, the rest held out",
            "max_length": args.max_length, "doc_stride_overlap": args.doc_stride,
            "legacy_doc_stride": "per question: max_length - question tokens - 3 - doc_stride",
            "max_query_length": windows.max_query_length, "batch_size": args.batch_size, "eval_batch_size": EVAL_BATCH_SIZE,
            "learning_rate": args.learning_rate, "epochs": args.epochs, "seed": args.seed,
            "max_train_samples": args.max_train_samples, "max_eval_samples": args.max_eval_samples,
            "lr_scheduler": "linear", "warmup_ratio": args.warmup_ratio, "weight_decay": 0.0, "logging_steps": LOGGING_STEPS,
            "evaluation": "held-out articles after every epoch, last model kept", "save_strategy": "no",
            "n_best_size": N_BEST_SIZE, "max_answer_length": MAX_ANSWER_LENGTH, "do_lower_case": do_lower_case,
            "padding": "dynamic (features unpadded, DataCollatorWithPadding to the batch's longest)",
            "group_by_length": args.group_by_length, "fp32": True, "torch_threads": torch.get_num_threads(),
            "tokenizer": type(tokenizer).__name__,
        },
    }
    peer_results.write(args.output, results,
                       "transformers Trainer peer of the SQuAD benchmark: legacy slow-tokenizer SQuAD features "
                       "(squad_convert_example_to_features, per-question step so windows share exactly doc_stride tokens), "
                       "dynamic padding, fp32, AdamW, linear schedule (warmup_ratio in settings), held-out articles evaluated after every "
                       "epoch and the last model kept; train_runtime includes those evaluations (epoch_evaluation_s).",
                       "SQuAD v1.1 (dev split by article) fine-tuning of all-MiniLM-L6-v2: transformers Trainer (peer)",
                       epoch_table(results))
    print(f"held-out EM {results['held_out_exact_match']:.2f}, F1 {results['held_out_f1']:.2f} "
          f"({results['held_out_questions']} questions, {results['held_out_features']} features); "
          f"train {results['train_questions']} questions -> {results['train_features']} features, "
          f"train_runtime {runtime:.1f} s ({results['train_examples_per_second']:.1f} features/s; "
          f"{results['epoch_evaluation_s']:.1f} s of it evaluating); peak RSS {results['peak_rss_mib']:.0f} MiB; "
          f"results: {args.output}")


def epoch_table(results):
    """Held-out EM and F1 after each epoch, for the Markdown file."""
    lines = ["| epoch | held-out EM | held-out F1 |", "|---|---|---|"]
    for epoch, em, f1 in zip(results["evaluated_at_epoch"], results["held_out_exact_match_by_epoch"], results["held_out_f1_by_epoch"]):
        lines.append(f"| {epoch:g} | {em:.2f} | {f1:.2f} |")
    return lines


if __name__ == "__main__":
    sys.exit(main())
