"""Opens a token classifier the way a Python user of transformers 4.40 / PEFT 0.10 would, and prints its logits.

    token_classifier_logits.py --sentences sentences.json --model DIR
        AutoModelForTokenClassification.from_pretrained(DIR) (a fully fine-tuned model folder)
    token_classifier_logits.py --sentences sentences.json --base DIR --adapter DIR
        PeftModel.from_pretrained(AutoModelForTokenClassification.from_pretrained(base, labels of the adapter's config.json), adapter)

Sentences are lists of words, encoded with is_split_into_words=True by the slow tokenizer (use_fast=False), one
sentence at a time (no padding). Prints one JSON object: versions, classes, id2label, the task_type PEFT read, per
sentence its input_ids and logits [tokens, labels], and what loading left unmatched.
"""
import argparse
import json
import os
import sys

import torch
import transformers
from transformers import AutoConfig, AutoModelForTokenClassification, AutoTokenizer


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sentences", required=True, help="JSON file holding a list of lists of words")
    parser.add_argument("--model")
    parser.add_argument("--base")
    parser.add_argument("--adapter")
    args = parser.parse_args()
    if (args.model is None) == (args.adapter is None) or (args.adapter is not None and args.base is None):
        parser.error("give either --model, or --base and --adapter")
    torch.set_num_threads(1)
    with open(args.sentences, encoding="utf-8") as f:
        sentences = json.load(f)

    loading = {}
    if args.adapter is None:
        model, info = AutoModelForTokenClassification.from_pretrained(args.model, output_loading_info=True)
        loading = {"missing_keys": sorted(info["missing_keys"]), "unexpected_keys": sorted(info["unexpected_keys"]),
                   "mismatched_keys": sorted(str(k) for k in info["mismatched_keys"])}
        tokenizer_dir = args.model
    else:
        import peft
        from peft import PeftModel
        from peft.utils import get_peft_model_state_dict
        from safetensors.torch import load_file
        trained = AutoConfig.from_pretrained(args.adapter)
        base = AutoModelForTokenClassification.from_pretrained(
            args.base, num_labels=trained.num_labels, id2label=trained.id2label, label2id=trained.label2id)
        model = PeftModel.from_pretrained(base, args.adapter)
        config = model.peft_config["default"]
        loading = {"peft_version": peft.__version__, "peft_type": str(config.peft_type.value), "task_type": str(config.task_type),
                   "keys_in_file": sorted(load_file(os.path.join(args.adapter, "adapter_model.safetensors")).keys()),
                   "keys_peft_saves": sorted(get_peft_model_state_dict(model).keys())}
        tokenizer_dir = args.adapter
    model.eval()
    # Byte-level BPE (RoBERTa) takes pre-split words only with add_prefix_space=True, as transformers' run_ner.py loads it;
    # each word is then tokenized as " word", which is what TuneSharp does for words.
    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir, use_fast=False)
    if type(tokenizer).__name__.startswith("Roberta"):
        tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir, use_fast=False, add_prefix_space=True)

    rows = []
    with torch.no_grad():
        for words in sentences:
            encoded = tokenizer(words, is_split_into_words=True, return_tensors="pt")
            logits = model(**encoded).logits[0]
            rows.append({"input_ids": encoded["input_ids"][0].tolist(), "logits": [[float(x) for x in row] for row in logits]})
    json.dump({"torch": torch.__version__, "transformers": transformers.__version__, "model_class": type(model).__name__,
               "id2label": {str(k): v for k, v in model.config.id2label.items()}, "loading": loading, "rows": rows}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
