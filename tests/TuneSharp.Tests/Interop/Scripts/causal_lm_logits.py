"""Opens a causal language model the way a Python user of transformers 4.40 / PEFT 0.10 would, prints its logits and
greedy continuations.

    causal_lm_logits.py --prompts prompts.json --model DIR
        AutoModelForCausalLM.from_pretrained(DIR) (a fully fine-tuned model folder)
    causal_lm_logits.py --prompts prompts.json --base DIR --adapter DIR
        PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(base), adapter)

Prompts are lists of token ids (so tokenizers cannot differ). For each: the logits of the whole prompt [tokens, vocab]
and generate(max_new_tokens=N, do_sample=False) with no EOS stop (so both sides make exactly N tokens). Prints one
JSON object: versions, the model class, what loading left unmatched (or what PEFT read), and per prompt its logits
and generated ids.
"""
import argparse
import json
import os
import sys

import torch
import transformers
from transformers import AutoModelForCausalLM


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--prompts", required=True, help="JSON file holding a list of lists of token ids")
    parser.add_argument("--model")
    parser.add_argument("--base")
    parser.add_argument("--adapter")
    parser.add_argument("--max-new-tokens", type=int, default=8)
    args = parser.parse_args()
    if (args.model is None) == (args.adapter is None) or (args.adapter is not None and args.base is None):
        parser.error("give either --model, or --base and --adapter")
    torch.set_num_threads(1)
    with open(args.prompts, encoding="utf-8") as f:
        prompts = json.load(f)

    if args.adapter is None:
        model, info = AutoModelForCausalLM.from_pretrained(args.model, output_loading_info=True)
        loading = {"missing_keys": sorted(info["missing_keys"]), "unexpected_keys": sorted(info["unexpected_keys"]),
                   "mismatched_keys": sorted(str(k) for k in info["mismatched_keys"])}
    else:
        import peft
        from peft import PeftModel
        from peft.utils import get_peft_model_state_dict
        from safetensors.torch import load_file
        model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(args.base), args.adapter)
        config = model.peft_config["default"]
        loading = {"peft_version": peft.__version__, "peft_type": str(config.peft_type.value), "task_type": str(config.task_type),
                   "keys_in_file": sorted(load_file(os.path.join(args.adapter, "adapter_model.safetensors")).keys()),
                   "keys_peft_saves": sorted(get_peft_model_state_dict(model).keys())}
    model.eval()
    # No stop token: both sides make exactly N tokens (min_new_tokens would instead change the scores of EOS).
    (model.base_model.model if args.adapter else model).generation_config.eos_token_id = None
    rows = []
    with torch.no_grad():
        for ids in prompts:
            input_ids = torch.tensor([ids])
            logits = model(input_ids=input_ids).logits[0]
            generated = model.generate(input_ids=input_ids, attention_mask=torch.ones_like(input_ids), max_new_tokens=args.max_new_tokens,
                                       do_sample=False, pad_token_id=0)
            rows.append({"logits": [[float(x) for x in row] for row in logits], "generated": generated[0, len(ids):].tolist()})
    json.dump({"torch": torch.__version__, "transformers": transformers.__version__, "model_class": type(model).__name__,
               "loading": loading, "rows": rows}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
