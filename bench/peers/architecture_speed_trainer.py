"""Peer of `bench/run architecture-speed` (issue 15): transformers' Trainer fine-tuning a randomly initialised model of
all-MiniLM-L6-v2's size (6 layers, hidden 384, 12 heads, intermediate 1536, vocabulary 30,522) on SST-2 sentences, for
each architecture TuneSharp has: the encoders as sequence classifiers on their first token, the decoders on their last.

    architecture_speed_trainer.py --model-type TYPE --model-dir DIR --make-model --output OUT
        builds the model with from_config (seed 0) and its tokenizer and saves both in DIR (TuneSharp then trains the
        same folder); the output records the parameter counts
    architecture_speed_trainer.py --model-type ... --model-dir DIR [--max-train-samples N] --output OUT
        trains it: the first N rows of ../shared/data/sst2/train_full.tsv, max_length 128 (truncation, no padding in the
        features; DataCollatorWithPadding pads each batch to its longest), group_by_length, batch 32, lr 1e-4, 1 epoch,
        no warmup, no weight decay, fp32, seed 42, no evaluation, no checkpoints; 1 PyTorch thread (OpenBLAS runs its
        own 2; run it with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset, as bench/run does)

Tokenizers: BERT, DistilBERT, ELECTRA and DeBERTa-v2 take all-MiniLM-L6-v2's uncased WordPiece vocab.txt under BERT's or
their own tokenizer class; RoBERTa, GPT-2, GPT-NeoX, Llama, Qwen2 and Mistral take the small byte-level BPE of TuneSharp's
golden fixtures (tests/.../Architectures/Fixtures/<family>/tokenizer, about 300-400 tokens, so SST-2 sentences come out
several times longer), with the model's vocabulary still 30,522 rows so that every architecture updates an embedding table
of the same size. The decoders' SwiGLU (Llama, Qwen2, Mistral) has three matrices, so its intermediate size is 1,024 for
the same MLP parameters; Qwen2 and Mistral use 4 key/value heads (grouped-query attention). The figures: train_runtime, the real tokens trained
(sum of the features' lengths), tokens/s and examples/s over train_runtime, peak RSS.
"""
import argparse
import csv
import resource
import shutil
import sys
from pathlib import Path

import torch
from transformers import (AutoModelForSequenceClassification, AutoTokenizer, BertConfig, BertTokenizer, DataCollatorWithPadding,
                          DebertaV2Config, DistilBertConfig, DistilBertTokenizer, ElectraConfig, ElectraTokenizer, GPT2Config,
                          GPT2Tokenizer, GPTNeoXConfig, LlamaConfig, MistralConfig, Qwen2Config, Qwen2Tokenizer, RobertaConfig,
                          RobertaTokenizer, Trainer, TrainingArguments)

sys.path.insert(0, str(Path(__file__).resolve().parent))
import peer_results  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
MINILM_VOCAB = SHARED / "models" / "all-MiniLM-L6-v2" / "vocab.txt"
FIXTURES = REPO / "tests" / "TuneSharp.Tests" / "Architectures" / "Fixtures"
# Byte-level BPE tokenizers of the golden fixtures, by model type: (fixture family, slow tokenizer class).
BYTE_LEVEL = {"roberta": ("roberta", RobertaTokenizer), "gpt2": ("gpt2", GPT2Tokenizer), "gpt_neox": ("gpt_neox", GPT2Tokenizer),
              "llama": ("llama", Qwen2Tokenizer), "qwen2": ("llama", Qwen2Tokenizer), "mistral": ("llama", Qwen2Tokenizer)}
MODEL_TYPES = ["bert", "roberta", "distilbert", "electra", "deberta-v2", "gpt2", "gpt_neox", "llama", "qwen2", "mistral"]
VOCAB, LAYERS, HIDDEN, HEADS, INTERMEDIATE = 30522, 6, 384, 12, 1536
MAX_LENGTH, BATCH_SIZE, LEARNING_RATE = 128, 32, 1e-4


def config_for(model_type, pad_id=None):
    common = dict(num_labels=2)
    if model_type == "bert":
        return BertConfig(vocab_size=VOCAB, hidden_size=HIDDEN, num_hidden_layers=LAYERS, num_attention_heads=HEADS,
                          intermediate_size=INTERMEDIATE, **common)
    if model_type == "roberta":
        return RobertaConfig(vocab_size=VOCAB, hidden_size=HIDDEN, num_hidden_layers=LAYERS, num_attention_heads=HEADS,
                             intermediate_size=INTERMEDIATE, max_position_embeddings=514, type_vocab_size=1, layer_norm_eps=1e-5,
                             **common)
    if model_type == "distilbert":
        return DistilBertConfig(vocab_size=VOCAB, dim=HIDDEN, n_layers=LAYERS, n_heads=HEADS, hidden_dim=INTERMEDIATE, **common)
    if model_type == "electra":
        # ELECTRA's narrower embeddings (ELECTRA-small's 128) projected to the hidden width.
        return ElectraConfig(vocab_size=VOCAB, embedding_size=128, hidden_size=HIDDEN, num_hidden_layers=LAYERS,
                             num_attention_heads=HEADS, intermediate_size=INTERMEDIATE, **common)
    if model_type == "deberta-v2":
        # DeBERTa-v3's layout: relative attention over 256 log buckets, both terms, shared keys, no absolute positions.
        return DebertaV2Config(vocab_size=VOCAB, hidden_size=HIDDEN, num_hidden_layers=LAYERS, num_attention_heads=HEADS,
                               intermediate_size=INTERMEDIATE, relative_attention=True, position_buckets=256, max_relative_positions=-1,
                               pos_att_type=["p2c", "c2p"], position_biased_input=False, norm_rel_ebd="layer_norm", share_att_key=True,
                               type_vocab_size=0, **common)
    # Decoders: pad_token_id is what transformers' last-token pooling looks for (the tokenizer pads with it on the right).
    pad = dict(pad_token_id=pad_id)
    if model_type == "gpt2":
        return GPT2Config(vocab_size=VOCAB, n_embd=HIDDEN, n_layer=LAYERS, n_head=HEADS, n_inner=INTERMEDIATE, **pad, **common)
    if model_type == "gpt_neox":
        return GPTNeoXConfig(vocab_size=VOCAB, hidden_size=HIDDEN, num_hidden_layers=LAYERS, num_attention_heads=HEADS,
                             intermediate_size=INTERMEDIATE, rotary_pct=0.25, use_parallel_residual=True, **pad, **common)
    llama_like = dict(vocab_size=VOCAB, hidden_size=HIDDEN, num_hidden_layers=LAYERS, num_attention_heads=HEADS, intermediate_size=1024,
                      max_position_embeddings=2048, **pad, **common)
    if model_type == "llama":
        return LlamaConfig(**llama_like)
    if model_type == "qwen2":
        return Qwen2Config(num_key_value_heads=4, **llama_like)
    if model_type == "mistral":
        return MistralConfig(num_key_value_heads=4, sliding_window=4096, **llama_like)
    raise ValueError(model_type)


def tokenizer_for(model_type):
    if model_type in BYTE_LEVEL:
        family, cls = BYTE_LEVEL[model_type]
        return with_pad_token(cls.from_pretrained(FIXTURES / family / "tokenizer"))
    cls = {"bert": BertTokenizer, "distilbert": DistilBertTokenizer, "electra": ElectraTokenizer, "deberta-v2": BertTokenizer}[model_type]
    return cls(str(MINILM_VOCAB), do_lower_case=True)


def with_pad_token(tokenizer):
    """GPT-2's tokenizer has no pad token; its end-of-text token never occurs inside an SST-2 sentence, so it pads."""
    if tokenizer.pad_token is None:
        tokenizer = type(tokenizer).from_pretrained(tokenizer.name_or_path, pad_token=tokenizer.eos_token)
    return tokenizer


def make_model(args):
    if args.model_dir.exists():
        shutil.rmtree(args.model_dir)
    torch.manual_seed(0)
    tokenizer = tokenizer_for(args.model_type)
    model = AutoModelForSequenceClassification.from_config(config_for(args.model_type, tokenizer.pad_token_id))
    model.save_pretrained(args.model_dir)
    if args.model_type in BYTE_LEVEL:  # the fixture's files as they are (the reference env's slow AddedToken cannot re-save them)
        for file in (FIXTURES / BYTE_LEVEL[args.model_type][0] / "tokenizer").iterdir():
            shutil.copy(file, args.model_dir / file.name)
    else:
        tokenizer.save_pretrained(args.model_dir)
    parameters = sum(p.numel() for p in model.parameters())
    # Token and position tables (BERT's embeddings.*, GPT-2's wte/wpe, NeoX's embed_in, Llama's embed_tokens): lookups,
    # not matrix products, so they do not count towards the 6 FLOPs per parameter and token.
    embedding = sum(p.numel() for n, p in model.named_parameters()
                    if "embeddings." in n or "embed_in." in n or "embed_tokens." in n or ".wte." in n or ".wpe." in n)
    return {"model_type": args.model_type, "parameters": parameters, "embedding_parameters": embedding}, "model folder made"


def read_rows(limit):
    path = SHARED / "data" / "sst2" / "train_full.tsv"
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    rows = rows[:limit] if limit else rows
    return [r["sentence"] for r in rows], [int(r["label"]) for r in rows]


def train(args):
    torch.set_num_threads(1)
    tokenizer = with_pad_token(AutoTokenizer.from_pretrained(args.model_dir, use_fast=False))
    texts, labels = read_rows(args.max_train_samples)
    features = [dict(tokenizer(t, truncation=True, max_length=MAX_LENGTH), labels=l) for t, l in zip(texts, labels)]
    tokens = sum(len(f["input_ids"]) for f in features)
    model = AutoModelForSequenceClassification.from_pretrained(args.model_dir)
    with __import__("tempfile").TemporaryDirectory(prefix="arch-speed-peer-") as out:
        training_args = TrainingArguments(
            output_dir=out, per_device_train_batch_size=BATCH_SIZE, learning_rate=LEARNING_RATE, num_train_epochs=1, seed=42,
            save_strategy="no", evaluation_strategy="no", logging_steps=1000, report_to="none", disable_tqdm=True, use_cpu=True,
            group_by_length=True)
        trainer = Trainer(model=model, args=training_args, train_dataset=features, data_collator=DataCollatorWithPadding(tokenizer))
        metrics = trainer.train().metrics
    runtime = metrics["train_runtime"]
    results = {
        "model_type": args.model_type, "train_examples": len(features), "train_tokens": tokens,
        "train_runtime_s": runtime, "train_tokens_per_second": tokens / runtime, "train_examples_per_second": len(features) / runtime,
        "train_loss": metrics.get("train_loss"), "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "tokenizer": type(tokenizer).__name__, "torch_threads": torch.get_num_threads(),
    }
    return results, (f"transformers Trainer, {args.model_type} of MiniLM's size (random weights), first {len(features)} SST-2 rows, "
                     f"max_length {MAX_LENGTH}, dynamic padding, group_by_length, batch {BATCH_SIZE}, lr {LEARNING_RATE:g}, 1 epoch, fp32")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model-type", required=True, choices=MODEL_TYPES)
    parser.add_argument("--model-dir", required=True, type=Path)
    parser.add_argument("--make-model", action="store_true")
    parser.add_argument("--max-train-samples", type=int, default=2000)
    parser.add_argument("--output", required=True, type=Path)
    args = parser.parse_args()
    if args.max_train_samples is not None and args.max_train_samples < 1:
        parser.error(f"--max-train-samples must be at least 1, got {args.max_train_samples}")
    results, notes = make_model(args) if args.make_model else train(args)
    peer_results.write(args.output, results, notes, f"architecture speed peer: {args.model_type}")


if __name__ == "__main__":
    main()
