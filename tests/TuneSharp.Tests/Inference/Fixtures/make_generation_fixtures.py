"""Records what transformers' generate() produces for the generation features TuneSharp reimplements, as token ids only,
in generation_golden.json beside this script (GenerationGoldenTests.cs reads it).

Run with the reference environment (transformers 4.40, PyTorch 1.13):
    /work/shared/reference/py tests/TuneSharp.Tests/Inference/Fixtures/make_generation_fixtures.py

Models: one tiny transformers-made causal/ folder per decoder family (Architectures/Fixtures) and stories260K.
Cases per model, all with do_sample=False:
- repetition_penalty: greedy with repetition_penalty=1.3;
- beam3: num_beams=3; beam4_lp08: num_beams=4, length_penalty=0.8;
- beam3_eos, beam4_eos_lp (length_penalty 2.0 or -0.5), beam3_eos_early (early_stopping=True): eos_token_id set to each
  of the three tokens greedy decoding emits most often, so beams finish at "EOS" early and go into the finished
  hypotheses (the path where BeamSearchScorer appends EOS to the winner) while others run on;
- beam_eos_sweep: each distinct token of the first prompt's 3-beam result as EOS, with 2 and 5 beams;
- batch: three prompts of different lengths, left-padded into one batch with an attention mask.
Each case stores its settings (prompt ids, max_new_tokens, eos/pad ids) next to the new tokens transformers returned,
so the C# test passes exactly the same settings. Running the script again rewrites the same file.
"""
import collections
import json
import os

import torch
import transformers
from transformers import AutoModelForCausalLM

HERE = os.path.dirname(os.path.abspath(__file__))
ARCH = os.path.join(HERE, "..", "..", "Architectures", "Fixtures")
STORIES = os.environ.get("STORIES260K", "/work/shared/models/stories260K")

MODELS = {
    "llama/llama-gqa": os.path.join(ARCH, "llama", "llama-gqa", "causal"),
    "gpt2/gpt2-tied-odd-heads": os.path.join(ARCH, "gpt2", "gpt2-tied-odd-heads", "causal"),
    "gpt_neox/neox-full-rotary": os.path.join(ARCH, "gpt_neox", "neox-full-rotary", "causal"),
    "stories260K": STORIES,
}


def prompts_for(name, vocab):
    """Three prompts of 7, 3 and 5 ids (the first starts with stories260K's BOS when it is that model)."""
    if name == "stories260K":
        return [[1, 403, 407, 261, 378, 432, 383], [1, 365, 323], [1, 403, 407, 261, 378]]
    gen = torch.Generator().manual_seed(1234)
    # Keep clear of the special ids at the top of the fixture vocabularies.
    return [torch.randint(3, vocab - 12, (n,), generator=gen).tolist() for n in (7, 3, 5)]


def new_tokens(out, prompt_len):
    return out[prompt_len:].tolist()


def generate(model, ids, mask, **kwargs):
    with torch.no_grad():
        return model.generate(input_ids=torch.tensor(ids), attention_mask=torch.tensor(mask), do_sample=False, **kwargs)


def single(model, prompt, **kwargs):
    out = generate(model, [prompt], [[1] * len(prompt)], **kwargs)
    return new_tokens(out[0], len(prompt))


def record(name, folder):
    model = AutoModelForCausalLM.from_pretrained(folder, torch_dtype=torch.float32).eval()
    config = model.config
    eos = config.eos_token_id
    pad = config.pad_token_id if config.pad_token_id is not None else eos
    prompts = prompts_for(name, config.vocab_size)
    max_new = 20
    cases = []

    def add(case, prompt, settings, tokens):
        cases.append({"case": case, "prompt": prompt, "max_new_tokens": max_new, **settings, "tokens": tokens})

    base = {"eos_token_id": eos, "pad_token_id": pad}
    for prompt in prompts[:2]:
        add("repetition_penalty", prompt, {**base, "repetition_penalty": 1.3},
            single(model, prompt, max_new_tokens=max_new, repetition_penalty=1.3, eos_token_id=eos, pad_token_id=pad))
        add("beam3", prompt, {**base, "num_beams": 3},
            single(model, prompt, max_new_tokens=max_new, num_beams=3, eos_token_id=eos, pad_token_id=pad))
        add("beam4_lp08", prompt, {**base, "num_beams": 4, "length_penalty": 0.8},
            single(model, prompt, max_new_tokens=max_new, num_beams=4, length_penalty=0.8, eos_token_id=eos, pad_token_id=pad))
        # Tokens greedy decoding emits often become "EOS": beams then finish early and go into the finished list, while
        # others run on (the rank rule for EOS candidates, the is_done test and the final contest are all exercised).
        greedy = single(model, prompt, max_new_tokens=max_new, eos_token_id=None, pad_token_id=pad)
        for rank, (likely, _) in enumerate(collections.Counter(greedy).most_common(3)):
            eos_case = {"eos_token_id": likely, "pad_token_id": likely}
            add("beam3_eos", prompt, {**eos_case, "num_beams": 3},
                single(model, prompt, max_new_tokens=max_new, num_beams=3, eos_token_id=likely, pad_token_id=likely))
            add("beam4_eos_lp", prompt, {**eos_case, "num_beams": 4, "length_penalty": 2.0 if rank % 2 else -0.5},
                single(model, prompt, max_new_tokens=max_new, num_beams=4, length_penalty=2.0 if rank % 2 else -0.5,
                       eos_token_id=likely, pad_token_id=likely))
            add("beam3_eos_early", prompt, {**eos_case, "num_beams": 3, "early_stopping": True},
                single(model, prompt, max_new_tokens=max_new, num_beams=3, early_stopping=True, eos_token_id=likely,
                       pad_token_id=likely))

    # A sweep: every token of the 3-beam result as "EOS", with 2 and 5 beams, so that some EOS candidate ranks below
    # the first num_beams (it must then be ignored, not finished) somewhere.
    beam_tokens = list(dict.fromkeys(single(model, prompts[0], max_new_tokens=max_new, num_beams=3, eos_token_id=None, pad_token_id=pad)))
    for likely in beam_tokens[:10]:
        for beams in (2, 5):
            add("beam_eos_sweep", prompts[0], {"eos_token_id": likely, "pad_token_id": likely, "num_beams": beams},
                single(model, prompts[0], max_new_tokens=max_new, num_beams=beams, eos_token_id=likely, pad_token_id=likely))

    # One left-padded batch: pads in front, mask 0 there; transformers counts positions over the mask.
    width = max(len(p) for p in prompts)
    ids = [[pad] * (width - len(p)) + p for p in prompts]
    mask = [[0] * (width - len(p)) + [1] * len(p) for p in prompts]
    batch_new = 12
    out = generate(model, ids, mask, max_new_tokens=batch_new, eos_token_id=eos, pad_token_id=pad)
    rows = []
    for row in out:
        generated = new_tokens(row, width)
        # A row that generated EOS is padded afterwards: keep it up to and including its first EOS.
        if eos in generated:
            generated = generated[: generated.index(eos) + 1]
        rows.append(generated)
    cases.append({"case": "batch", "prompts": prompts, "max_new_tokens": batch_new, **base, "rows": rows})
    return cases


def dumps_one_case_per_line(result):
    """The JSON with each case on one line: small, and a changed case shows as one changed line in a diff."""
    models = ",\n".join(
        f" {json.dumps(name)}: [\n" + ",\n".join("  " + json.dumps(case) for case in cases) + "\n ]"
        for name, cases in result["models"].items())
    return (f'{{"transformers": {json.dumps(result["transformers"])}, "torch": {json.dumps(result["torch"])}, "models": {{\n'
            + models + "\n}}\n")


def main():
    torch.manual_seed(0)
    result = {"transformers": transformers.__version__, "torch": torch.__version__,
              "models": {name: record(name, folder) for name, folder in MODELS.items()}}
    path = os.path.join(HERE, "generation_golden.json")
    with open(path, "w") as f:
        f.write(dumps_one_case_per_line(result))
    print("wrote", path)


if __name__ == "__main__":
    main()
