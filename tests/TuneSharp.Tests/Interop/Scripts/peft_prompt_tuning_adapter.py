"""Writes a prompt-tuning adapter with PEFT 0.10's own save_pretrained, and prints the logits PEFT computes with it.

    peft_prompt_tuning_adapter.py --base DIR --output DIR --texts texts.json
        [--num-labels 3] [--num-virtual-tokens 4] [--seed 0]

get_peft_model(AutoModelForSequenceClassification.from_pretrained(base, num_labels),
PromptTuningConfig(task_type="SEQ_CLS", num_virtual_tokens, prompt_tuning_init="RANDOM")); the classification head
(wrapped by PEFT as a module to save) is re-drawn from the seed so it differs from a fresh head, then the adapter
is saved. Each text runs alone (batch of one). Prints one JSON object on stdout: versions, the saved
adapter_config.json, the tensor names and shapes of adapter_model.safetensors, and per text its input_ids and logits.
"""
import argparse
import json
import os
import sys

import peft
import torch
import transformers
from peft import PromptTuningConfig, get_peft_model
from safetensors.torch import load_file
from transformers import AutoModelForSequenceClassification, AutoTokenizer


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--texts", required=True, help="JSON file holding a list of strings")
    parser.add_argument("--num-labels", type=int, default=3)
    parser.add_argument("--num-virtual-tokens", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    with open(args.texts, encoding="utf-8") as f:
        texts = json.load(f)

    base = AutoModelForSequenceClassification.from_pretrained(args.base, num_labels=args.num_labels)
    config = PromptTuningConfig(task_type="SEQ_CLS", num_virtual_tokens=args.num_virtual_tokens, prompt_tuning_init="RANDOM")
    model = get_peft_model(base, config)
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if ".modules_to_save." in name:  # the trained copy of the head that PEFT saves
                # N(0, 0.1²): unlike a fresh head (N(0, 0.02²), zero bias), with logits of a few units as a trained
                # head gives, so a 1e-4 absolute tolerance stays a float32-level comparison (N(0, 1) gives logits ~40).
                parameter.copy_(0.1 * torch.randn_like(parameter))
    model.save_pretrained(args.output)
    model.eval()

    tokenizer = AutoTokenizer.from_pretrained(args.base, use_fast=False)
    rows = []
    with torch.no_grad():
        for text in texts:
            encoded = tokenizer(text, return_tensors="pt")
            logits = model(**encoded).logits[0]
            rows.append({"text": text, "input_ids": encoded["input_ids"][0].tolist(),
                         "logits": [float(x) for x in logits]})
    with open(os.path.join(args.output, "adapter_config.json"), encoding="utf-8") as f:
        saved_config = json.load(f)
    saved = load_file(os.path.join(args.output, "adapter_model.safetensors"))
    json.dump({
        "torch": torch.__version__, "transformers": transformers.__version__, "peft": peft.__version__,
        "modules_to_save": sorted(model.modules_to_save),
        "adapter_config": saved_config,
        "tensors": {k: list(v.shape) for k, v in sorted(saved.items())},
        "rows": rows,
    }, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
