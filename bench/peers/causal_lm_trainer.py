"""Peer of `bench/run causal-lm-finetune` (issue 16): transformers' Trainer fine-tunes a causal LM on exactly the token
sequences TuneSharp trained on, so the comparison is of training, not of tokenizers or templates.

    causal_lm_trainer.py --model-dir DIR --train-examples TRAIN.jsonl --eval-examples EVAL.jsonl
        [--epochs 1] [--batch-size 16] [--learning-rate 5e-4] [--warmup-ratio 0] [--seed 42] [--no-group-by-length]
        --output OUT.json

TRAIN/EVAL.jsonl are written by the TuneSharp side: one sequence per line, {"input_ids": [...], "labels": [...]} with
-100 where no loss is taken (prompts), so the response-only masking, the chat template and the truncation are the same
on both sides. Packed rows are not given to the peer (transformers 4.40's Trainer has no boundary-respecting packing);
it trains on the unpacked sequences.

Training: AutoModelForCausalLM from DIR, AdamW with the Trainer's defaults (linear decay, no weight decay), fp32,
batches padded to their longest row by a collator (pad id 0, attention mask 0, labels -100), length-grouped batches
(group_by_length, as TuneSharp's recipe does by default), no evaluation during training, no checkpoints. The model's
loss is transformers' own: the mean over the batch's trained tokens. 1 PyTorch thread (OpenBLAS runs its own 2; run with
OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset, as bench/run does).

Figures: validation loss before and after training, token-weighted over all validation tokens (sum of the per-token
losses / trained tokens, which is what TuneSharp's eval_loss is; the Trainer's own eval_loss averages batch means),
their perplexities, train_runtime, the real tokens trained (all rows' lengths × epochs) per second, peak RSS.
"""
import argparse
import json
import math
import resource
from pathlib import Path

import torch
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

import peer_results


def read(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def collate(rows):
    length = max(len(r["input_ids"]) for r in rows)
    pad = lambda values, fill: [v + [fill] * (length - len(v)) for v in values]
    return {
        "input_ids": torch.tensor(pad([r["input_ids"] for r in rows], 0)),
        "attention_mask": torch.tensor(pad([[1] * len(r["input_ids"]) for r in rows], 0)),
        "labels": torch.tensor(pad([r["labels"] for r in rows], -100)),
    }


def token_weighted_loss(model, rows, batch_size=32):
    model.eval()
    total, tokens = 0.0, 0
    order = sorted(range(len(rows)), key=lambda i: len(rows[i]["input_ids"]))
    with torch.no_grad():
        for start in range(0, len(order), batch_size):
            batch = collate([rows[i] for i in order[start:start + batch_size]])
            logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
            shifted = logits[:, :-1].reshape(-1, logits.shape[-1]).float()
            labels = batch["labels"][:, 1:].reshape(-1)
            total += torch.nn.functional.cross_entropy(shifted, labels, ignore_index=-100, reduction="sum").item()
            tokens += int((labels != -100).sum())
    return total / tokens, tokens


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model-dir", required=True)
    parser.add_argument("--train-examples", required=True)
    parser.add_argument("--eval-examples", required=True)
    parser.add_argument("--epochs", type=float, default=1)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--learning-rate", type=float, default=5e-4)
    parser.add_argument("--warmup-ratio", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--no-group-by-length", action="store_true")
    parser.add_argument("--output", required=True, type=Path)
    args = parser.parse_args()
    torch.set_num_threads(1)
    train, evaluation = read(args.train_examples), read(args.eval_examples)
    model = AutoModelForCausalLM.from_pretrained(args.model_dir)
    before, eval_tokens = token_weighted_loss(model, evaluation)
    with __import__("tempfile").TemporaryDirectory(prefix="causal-lm-peer-") as out:
        training_args = TrainingArguments(
            output_dir=out, per_device_train_batch_size=args.batch_size, learning_rate=args.learning_rate, num_train_epochs=args.epochs,
            warmup_ratio=args.warmup_ratio, seed=args.seed, save_strategy="no", evaluation_strategy="no", logging_steps=50,
            report_to="none", disable_tqdm=True, use_cpu=True, group_by_length=not args.no_group_by_length,
            length_column_name="length", remove_unused_columns=False)
        for row in train:
            row["length"] = len(row["input_ids"])
        trainer = Trainer(model=model, args=training_args, train_dataset=train, data_collator=collate)
        metrics = trainer.train().metrics
    after, _ = token_weighted_loss(model, evaluation)
    runtime = metrics["train_runtime"]
    tokens = sum(len(r["input_ids"]) for r in train) * args.epochs
    results = {
        "train_sequences": len(train), "eval_sequences": len(evaluation), "eval_tokens": eval_tokens,
        "eval_loss_before": before, "eval_perplexity_before": math.exp(before),
        "eval_loss": after, "eval_perplexity": math.exp(after),
        "train_runtime_s": runtime, "train_tokens": tokens, "train_tokens_per_second": tokens / runtime,
        "train_loss": metrics.get("train_loss"), "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "torch_threads": torch.get_num_threads(),
    }
    notes = (f"transformers Trainer, {args.model_dir}, {len(train)} sequences, {args.epochs:g} epoch(s), batch {args.batch_size}, "
             f"lr {args.learning_rate:g}, warmup_ratio {args.warmup_ratio:g}, seed {args.seed}, fp32, group_by_length "
             f"{not args.no_group_by_length}")
    peer_results.write(args.output, results, notes, "causal-LM fine-tuning peer")


if __name__ == "__main__":
    main()
