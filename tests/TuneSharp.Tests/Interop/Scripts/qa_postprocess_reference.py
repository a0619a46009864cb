"""Writes the fixture of the question-answering post-processing cross-check: synthetic examples split into windows,
random start/end logits, and the answers a reference implementation of transformers' post-processing chooses for them
under several settings (the first 5 of each n-best list are kept). Run once in the reference environment; the C# test
reads the committed JSON.

    ../shared/reference/py tests/TuneSharp.Tests/Interop/Scripts/qa_postprocess_reference.py \
        tests/TuneSharp.Tests/Tasks/QuestionAnswering/Fixtures/postprocess_reference.json

The reference follows the semantics of postprocess_qa_predictions in transformers' examples/pytorch/question-answering
/utils_qa.py (that file is not part of the installed package, so the procedure is written out here from its
description): per window the n_best_size highest start and end logits (np.argsort; stable, so among equal logits the
later position comes first), pairs kept when both ends have an offset (context tokens), end >= start and length <=
max_answer_length, scored start + end in float32; the null answer is the window with the lowest start[0] + end[0];
with version_2_with_negative it joins the candidates; the n best by score (a stable sort); the null answer appended if
it fell out; the "empty" placeholder when nothing valid is left; a softmax over the scores; v1 answers with the best,
v2 with "" when null score - best non-null start - end logit > null_score_diff_threshold.
"""
import json
import sys

import numpy as np

SETTINGS = [
    {"name": "v1", "n_best_size": 20, "max_answer_length": 30, "version_2_with_negative": False, "null_score_diff_threshold": 0.0},
    {"name": "v1-small", "n_best_size": 3, "max_answer_length": 4, "version_2_with_negative": False, "null_score_diff_threshold": 0.0},
    {"name": "v2", "n_best_size": 20, "max_answer_length": 30, "version_2_with_negative": True, "null_score_diff_threshold": 0.0},
    {"name": "v2-threshold", "n_best_size": 10, "max_answer_length": 8, "version_2_with_negative": True, "null_score_diff_threshold": 1.5},
]


def make_examples(rng, count):
    """Contexts of random words; windows of `room` context tokens (one token per word) starting every room - stride
    tokens, with `question_length` question positions and [CLS]/[SEP] around them, as the features of run_qa."""
    examples = []
    for i in range(count):
        words = [f"w{rng.integers(0, 50)}" for _ in range(int(rng.integers(3, 40)))]
        starts, position = [], 0
        for word in words:
            starts.append(position)
            position += len(word) + 1
        context = " ".join(words)
        question_length = int(rng.integers(1, 4))
        room = int(rng.integers(4, 16))
        stride = int(rng.integers(0, room // 2 + 1))
        features = []
        first = 0
        while True:
            last = min(first + room, len(words))
            offsets = [None] * (1 + question_length + 1)  # [CLS] question [SEP]
            offsets += [[starts[w], starts[w] + len(words[w])] for w in range(first, last)]
            offsets.append(None)  # [SEP]
            n = len(offsets)
            start_logits = rng.normal(0, 2, n).astype(np.float32)
            end_logits = rng.normal(0, 2, n).astype(np.float32)
            if rng.random() < 0.3:  # a window that believes there is no answer
                start_logits[0] += 6
                end_logits[0] += 6
            features.append({"offsets": offsets, "start_logits": [float(x) for x in start_logits], "end_logits": [float(x) for x in end_logits]})
            if last == len(words):
                break
            first += room - stride
        examples.append({"id": f"q{i}", "context": context, "features": features})
    return examples


def postprocess(example, n_best_size, max_answer_length, version_2_with_negative, null_score_diff_threshold):
    min_null = None
    prelim = []
    for feature in example["features"]:
        start_logits = np.array(feature["start_logits"], dtype=np.float32)
        end_logits = np.array(feature["end_logits"], dtype=np.float32)
        offsets = feature["offsets"]
        null_score = start_logits[0] + end_logits[0]
        if min_null is None or min_null["score"] > null_score:
            min_null = {"offsets": (0, 0), "score": null_score, "start_logit": start_logits[0], "end_logit": end_logits[0]}
        start_indexes = np.argsort(start_logits, kind="stable")[-1:-n_best_size - 1:-1]
        end_indexes = np.argsort(end_logits, kind="stable")[-1:-n_best_size - 1:-1]
        for s in start_indexes:
            for e in end_indexes:
                if offsets[s] is None or offsets[e] is None:
                    continue
                if e < s or e - s + 1 > max_answer_length:
                    continue
                prelim.append({"offsets": (offsets[s][0], offsets[e][1]), "score": start_logits[s] + end_logits[e],
                               "start_logit": start_logits[s], "end_logit": end_logits[e]})
    if version_2_with_negative:
        prelim.append(min_null)
        null_score = min_null["score"]
    predictions = sorted(prelim, key=lambda p: p["score"], reverse=True)[:n_best_size]
    if version_2_with_negative and not any(p["offsets"] == (0, 0) for p in predictions):
        predictions.append(min_null)
    context = example["context"]
    for p in predictions:
        p["text"] = context[p["offsets"][0]:p["offsets"][1]]
    if len(predictions) == 0 or (len(predictions) == 1 and predictions[0]["text"] == ""):
        predictions.insert(0, {"offsets": (0, 0), "text": "empty", "start_logit": 0.0, "end_logit": 0.0, "score": 0.0})
    scores = np.array([p["score"] for p in predictions])
    exp_scores = np.exp(scores - np.max(scores))
    probabilities = exp_scores / exp_scores.sum()
    nbest = [{"text": p["text"], "start": int(p["offsets"][0]), "end": int(p["offsets"][1]), "probability": float(prob),
              "start_logit": float(p["start_logit"]), "end_logit": float(p["end_logit"])} for p, prob in list(zip(predictions, probabilities))[:5]]
    if not version_2_with_negative:
        return {"answer": predictions[0]["text"], "score_diff": None, "nbest": nbest}
    i = 0
    while predictions[i]["text"] == "":
        i += 1
    best = predictions[i]
    score_diff = null_score - best["start_logit"] - best["end_logit"]
    return {"answer": "" if score_diff > null_score_diff_threshold else best["text"], "score_diff": float(score_diff), "nbest": nbest}


def main():
    rng = np.random.default_rng(20261207)
    examples = make_examples(rng, 40)
    results = {s["name"]: {e["id"]: postprocess(e, s["n_best_size"], s["max_answer_length"], s["version_2_with_negative"],
                                                 s["null_score_diff_threshold"]) for e in examples} for s in SETTINGS}
    with open(sys.argv[1], "w", encoding="utf-8") as f:
        json.dump({"numpy": np.__version__, "settings": SETTINGS, "examples": examples, "results": results}, f)
    nulls = sum(r["answer"] == "" for r in results["v2"].values())
    print(f"{len(examples)} examples, {sum(len(e['features']) for e in examples)} windows; v2: {nulls} null answers")


if __name__ == "__main__":
    main()
