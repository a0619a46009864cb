"""Opens a sequence classifier the way a Python user of transformers 4.40 / PEFT 0.10 would, and prints its logits.

    classifier_logits.py --texts texts.json --model DIR
        AutoModelForSequenceClassification.from_pretrained(DIR) (a fully fine-tuned model folder)
    classifier_logits.py --texts texts.json --base DIR --adapter DIR
        PeftModel.from_pretrained(AutoModelForSequenceClassification.from_pretrained(base, num_labels=...), adapter);
        the labels come from the config.json saved beside the adapter (PEFT itself does not store them)

The tokenizer is AutoTokenizer.from_pretrained(--tokenizer, or the model / adapter folder, use_fast=False): the
reference environment has only the slow Python tokenizers. Every text is run alone (batch of one, no padding), so
the logits do not depend on how either side pads.

Prints one JSON object on stdout: versions, the model class, id2label, per text its input_ids and logits, and
what the loading left unmatched (missing / unexpected weight names; for an adapter, the tensor names in
adapter_model.safetensors and the names PEFT's own save_pretrained would write for the loaded model).
"""
import argparse
import json
import os
import sys

import torch
import transformers
from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--texts", required=True, help="JSON file holding a list of strings")
    parser.add_argument("--model", help="a full model folder")
    parser.add_argument("--base", help="the base model folder of --adapter")
    parser.add_argument("--adapter", help="a PEFT adapter folder")
    parser.add_argument("--tokenizer", help="tokenizer folder (default: --model, else --adapter)")
    args = parser.parse_args()
    if (args.model is None) == (args.adapter is None) or (args.adapter is not None and args.base is None):
        parser.error("give either --model, or --base and --adapter")
    return args


def load_full_model(model_dir):
    model, info = AutoModelForSequenceClassification.from_pretrained(model_dir, output_loading_info=True)
    loading = {"missing_keys": sorted(info["missing_keys"]), "unexpected_keys": sorted(info["unexpected_keys"]),
               "mismatched_keys": sorted(str(k) for k in info["mismatched_keys"])}
    return model, loading


def load_adapter_model(base_dir, adapter_dir):
    import peft
    from peft import PeftModel
    from peft.utils import get_peft_model_state_dict
    from safetensors.torch import load_file

    trained = AutoConfig.from_pretrained(adapter_dir)
    base = AutoModelForSequenceClassification.from_pretrained(
        base_dir, num_labels=trained.num_labels, id2label=trained.id2label, label2id=trained.label2id)
    model = PeftModel.from_pretrained(base, adapter_dir)
    in_file = sorted(load_file(os.path.join(adapter_dir, "adapter_model.safetensors")).keys())
    # What PEFT would save for the model it built from adapter_config.json: equal names mean every tensor of the
    # file found its place (PEFT loads adapters with strict=False and says nothing about names it did not use).
    expected = sorted(get_peft_model_state_dict(model).keys())
    loading = {"peft_version": peft.__version__, "peft_type": str(model.peft_config["default"].peft_type.value),
               "keys_in_file": in_file, "keys_peft_saves": expected}
    return model, loading


def main():
    args = parse_args()
    torch.set_num_threads(1)
    with open(args.texts, encoding="utf-8") as f:
        texts = json.load(f)
    if args.adapter is None:
        model, loading = load_full_model(args.model)
        tokenizer_dir = args.tokenizer or args.model
    else:
        model, loading = load_adapter_model(args.base, args.adapter)
        tokenizer_dir = args.tokenizer or args.adapter
    model.eval()
    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir, use_fast=False)

    rows = []
    with torch.no_grad():
        for text in texts:
            encoded = tokenizer(text, return_tensors="pt")
            logits = model(**encoded).logits[0]
            rows.append({"text": text, "input_ids": encoded["input_ids"][0].tolist(),
                         "logits": [float(x) for x in logits]})
    config = model.config
    result = {
        "torch": torch.__version__, "transformers": transformers.__version__,
        "model_class": type(model).__name__,
        "base_class": type(model.get_base_model()).__name__ if hasattr(model, "get_base_model") else type(model).__name__,
        "tokenizer_class": type(tokenizer).__name__,
        "id2label": {str(k): v for k, v in config.id2label.items()},
        "loading": loading,
        "rows": rows,
    }
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
