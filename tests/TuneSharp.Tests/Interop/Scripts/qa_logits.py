"""Opens a question-answering model the way a Python user of transformers 4.40 / PEFT 0.10 would, and prints its
start and end logits.

    qa_logits.py --pairs pairs.json --model DIR
        AutoModelForQuestionAnswering.from_pretrained(DIR) (a fully fine-tuned model folder)
    qa_logits.py --pairs pairs.json --base DIR --adapter DIR
        PeftModel.from_pretrained(AutoModelForQuestionAnswering.from_pretrained(base), adapter)

Pairs are [question, context] lists, encoded question first by the slow tokenizer (use_fast=False), one pair at a
time (no padding, no truncation). Prints one JSON object: versions, the model class, the task_type PEFT read, per pair
its input_ids, token_type_ids, start_logits and end_logits, and what loading left unmatched.

For an adapter the rows come from the merged model (merge_and_unload), and "unmerged_rows" from PeftModel's own
forward: PEFT 0.10's PeftModelForQuestionAnswering.forward takes token_type_ids as a named argument and does not pass
it on to the base model, so its unmerged logits are those of all-zero segment ids.
"""
import argparse
import inspect
import json
import os
import sys

import torch
import transformers
from transformers import AutoModelForQuestionAnswering, AutoTokenizer


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", required=True, help="JSON file holding a list of [question, context] pairs")
    parser.add_argument("--model")
    parser.add_argument("--base")
    parser.add_argument("--adapter")
    args = parser.parse_args()
    if (args.model is None) == (args.adapter is None) or (args.adapter is not None and args.base is None):
        parser.error("give either --model, or --base and --adapter")
    torch.set_num_threads(1)
    with open(args.pairs, encoding="utf-8") as f:
        pairs = json.load(f)

    if args.adapter is None:
        model, info = AutoModelForQuestionAnswering.from_pretrained(args.model, output_loading_info=True)
        loading = {"missing_keys": sorted(info["missing_keys"]), "unexpected_keys": sorted(info["unexpected_keys"]),
                   "mismatched_keys": sorted(str(k) for k in info["mismatched_keys"])}
        tokenizer_dir = args.model
    else:
        import peft
        from peft import PeftModel
        from peft.utils import get_peft_model_state_dict
        from safetensors.torch import load_file
        model = PeftModel.from_pretrained(AutoModelForQuestionAnswering.from_pretrained(args.base), args.adapter)
        config = model.peft_config["default"]
        loading = {"peft_version": peft.__version__, "peft_type": str(config.peft_type.value), "task_type": str(config.task_type),
                   "keys_in_file": sorted(load_file(os.path.join(args.adapter, "adapter_model.safetensors")).keys()),
                   "keys_peft_saves": sorted(get_peft_model_state_dict(model).keys())}
        tokenizer_dir = args.adapter
    model.eval()
    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir, use_fast=False)

    base_forward = (model.get_base_model() if hasattr(model, "get_base_model") else model).forward
    # Segment ids go in as a user's tokenizer(question, context) would give them: only where model_input_names lists
    # them (BERT, ELECTRA). RoBERTa's would be zeros, its default anyway; GPT-2's forward would add wte(token_type_ids)
    # for any it were given, but its tokenizer returns none.
    takes_segments = ("token_type_ids" in inspect.signature(base_forward).parameters
                      and "token_type_ids" in tokenizer.model_input_names)

    def run(m):
        rows = []
        with torch.no_grad():
            for question, context in pairs:
                # RoBERTa's and GPT-2's tokenizers leave segment ids out unless asked; asked, they give what TuneSharp's do.
                encoded = tokenizer(question, context, return_tensors="pt", return_token_type_ids=True)
                # DistilBERT's forward takes no segment ids (its tokenizer still makes them; they are compared all the same).
                out = m(**{k: v for k, v in encoded.items() if k != "token_type_ids" or takes_segments})
                rows.append({"input_ids": encoded["input_ids"][0].tolist(), "token_type_ids": encoded["token_type_ids"][0].tolist(),
                             "start_logits": [float(x) for x in out.start_logits[0]], "end_logits": [float(x) for x in out.end_logits[0]]})
        return rows

    result = {"torch": torch.__version__, "transformers": transformers.__version__, "model_class": type(model).__name__, "loading": loading}
    if args.adapter is None:
        result["rows"] = run(model)
    else:
        result["unmerged_rows"] = run(model)
        merged = model.merge_and_unload()
        merged.eval()
        result["rows"] = run(merged)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
