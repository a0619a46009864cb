"""Shared by the decoder fixture scripts (make_llama_fixtures.py, make_gpt2_fixtures.py, ...): records what transformers
computes for one tiny decoder config, in the layout DecoderGoldenTests.cs reads.

For a family folder <out> and a shape name, write_decoder_family writes:
- <out>/<shape>/causal/: AutoModelForCausalLM.from_config (seed 0), saved by save_pretrained;
- <out>/<shape>/seq|tok|qa/: the sequence-classification (3 labels), token-classification (5 labels) and
  question-answering models loaded from causal/ with new seeded heads, for the heads the family has in transformers;
- <out>/outputs.json: {"transformers", "torch", "models": {shape: record}, "tokenizer": cases} where a record holds
  model_type; input_ids and attention_mask of a right-padded batch (pad = config.pad_token_id, which no real token
  uses, so transformers' pad-id rule and TuneSharp's mask rule pick the same last token); last_hidden_state of the
  backbone (after its final norm) and the causal LM's logits on that batch; "<head>_class" and the head's logits; and
  "greedy": a prompt (the first row's real tokens), the number of new tokens and transformers' greedy continuation
  (generate with the KV cache unless a shape says otherwise, do_sample=False, no stop token).
Positions: transformers numbers positions 0..T-1 when no position_ids are given, TuneSharp counts real tokens; with
right padding the two agree on every real token, and the tests compare real tokens only.
Running a script again rewrites the same files (every random draw is seeded).
"""
import json
import os

import torch
from transformers import (AutoModelForCausalLM, AutoModelForQuestionAnswering, AutoModelForSequenceClassification,
                          AutoModelForTokenClassification)

from make_encoder_fixtures import PAIRS, TRICKY


def nested(t):
    """A tensor as nested lists of floats with 8 significant digits: 1e-8 relative, far inside the tests' 1e-4, at
    half the size of full doubles (the logits dominate the file)."""
    return [nested(row) for row in t] if t.dim() > 0 else float(f"{t.item():.8g}")

HEADS = {"seq": (AutoModelForSequenceClassification, 3), "tok": (AutoModelForTokenClassification, 5),
         "qa": (AutoModelForQuestionAnswering, None)}

SENTENCES = ["Hello world! The cat sat on the mat and the dog slept.", "Où est le café ? 😀 ok", "the"]


def right_padded(tokenizer, pad_id, sentences=SENTENCES, bos_id=None):
    encoded = [([bos_id] if bos_id is not None else []) + tokenizer(s, add_special_tokens=False)["input_ids"] for s in sentences]
    assert all(pad_id not in e for e in encoded), "the pad id must not be a real token of the batch"
    length = max(len(e) for e in encoded)
    return ([e + [pad_id] * (length - len(e)) for e in encoded],
            [[1] * len(e) + [0] * (length - len(e)) for e in encoded])


def widen_static_mask(model, size=128):
    """transformers 4.40's Llama keeps a static causal mask of max_position_embeddings² and grows it only once, to twice
    that, so a batch or a generation longer than that fails there (not in later versions). The dynamic-rope shape runs
    beyond max_position_embeddings on purpose, so its mask is made big enough first; no number changes."""
    backbone = getattr(model, model.base_model_prefix)
    if getattr(backbone, "causal_mask", None) is not None and backbone.causal_mask.shape[-1] < size:
        backbone.register_buffer("causal_mask", torch.triu(torch.full((size, size), fill_value=1), diagonal=1), persistent=False)
    return model


def make_decoder_shape(out, name, config, ids, mask, heads, new_tokens=10, generate_with_cache=True):
    """generate_with_cache=False records the greedy continuation computed without transformers' KV cache, for a shape
    whose cached path is broken in the reference environment (the tests still run TuneSharp both ways)."""
    folder = os.path.join(out, name)
    torch.manual_seed(0)
    causal = widen_static_mask(AutoModelForCausalLM.from_config(config))
    causal.eval()
    causal.save_pretrained(os.path.join(folder, "causal"))
    inputs = {"input_ids": torch.tensor(ids), "attention_mask": torch.tensor(mask)}
    record = {"model_type": config.model_type, "causal_class": type(causal).__name__, "input_ids": ids, "attention_mask": mask}
    with torch.no_grad():
        backbone = getattr(causal, causal.base_model_prefix)
        record["last_hidden_state"] = nested(backbone(**inputs).last_hidden_state)
        record["logits"] = nested(causal(**inputs).logits)
        prompt = [t for t, m in zip(ids[0], mask[0]) if m]
        # A fresh copy generates: transformers 4.40's GPT-NeoX dynamic rope keeps the frequencies of the longest input it
        # has seen (the batch above) instead of the current one, which no later version does; the weights are the same.
        generator = widen_static_mask(AutoModelForCausalLM.from_pretrained(os.path.join(folder, "causal")))
        generator.eval()
        generated = generator.generate(torch.tensor([prompt]), attention_mask=torch.ones(1, len(prompt), dtype=torch.long),
                                    max_new_tokens=new_tokens, min_new_tokens=new_tokens, do_sample=False, use_cache=generate_with_cache,
                                    eos_token_id=None, pad_token_id=config.pad_token_id)
        record["greedy"] = {"prompt": prompt, "new_tokens": new_tokens, "output_ids": generated[0, len(prompt):].tolist()}
        for seed, head in enumerate(heads, start=1):
            auto, labels = HEADS[head]
            torch.manual_seed(seed)
            model = widen_static_mask(auto.from_pretrained(os.path.join(folder, "causal"), **({"num_labels": labels} if labels else {})))
            model.eval()
            model.save_pretrained(os.path.join(folder, head))
            result = model(**inputs)
            record[f"{head}_class"] = type(model).__name__
            if head == "qa":
                record["qa_start_logits"] = nested(result.start_logits)
                record["qa_end_logits"] = nested(result.end_logits)
            else:
                record[f"{head}_logits"] = nested(result.logits)
    return record


def tokenizer_cases(tokenizer, extra_texts=()):
    """The slow tokenizer's ids for the tricky strings (and a family's own extra ones, e.g. its special tokens written in
    text), alone (with the tokenizer's own special tokens) and in pairs."""
    return {"single": [{"text": t, "input_ids": tokenizer(t)["input_ids"]} for t in [*TRICKY, *extra_texts]],
            "pairs": [{"a": a, "b": b, "input_ids": tokenizer(a, b)["input_ids"]} for a, b in PAIRS]}


def write_decoder_family(out, tokenizer, shapes, extra_texts=()):
    """shapes: {name: (config, ids, mask, heads[, new_tokens, generate_with_cache])}; extra_texts: more tokenizer cases
    beside the shared tricky strings."""
    torch.set_num_threads(1)
    record = {"transformers": __import__("transformers").__version__, "torch": torch.__version__,
              "models": {name: make_decoder_shape(out, name, *spec) for name, spec in shapes.items()},
              "tokenizer": tokenizer_cases(tokenizer, extra_texts) if tokenizer is not None else None}
    with open(os.path.join(out, "outputs.json"), "w", encoding="utf-8") as f:
        json.dump(record, f, ensure_ascii=False)
    print(f"wrote {out}: models {', '.join(shapes)}")
