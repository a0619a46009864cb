"""Writes a peer's results as bench/run does: a JSON record (benchmark, date_utc, machine, results, notes) and a
Markdown table of its flat figures beside it, followed by the script's own tables. Shared by the peer scripts here."""
import json
import os
import platform
from datetime import datetime, timezone

import torch
import transformers


def write(output, results, notes, title, extra_lines=()):
    """Writes output (.json) and output with .md; extra_lines go between the figure table and the notes."""
    record = {
        "benchmark": output.stem,
        "date_utc": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ"),
        "machine": {
            "processors": os.cpu_count(), "os": platform.platform(), "python": platform.python_version(),
            "torch": torch.__version__, "transformers": transformers.__version__,
            "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE", "(unset)"),
        },
        "results": results,
        "notes": notes,
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    machine = record["machine"]
    lines = [
        f"# {title}", "",
        f"Measured {record['date_utc']} on {machine['processors']} cores, torch {machine['torch']}, "
        f"transformers {machine['transformers']}, OPENBLAS_CORETYPE {machine['openblas_coretype']}.", "",
        "| figure | value |", "|---|---|",
    ]
    for key, value in results.items():
        if isinstance(value, (dict, list)):
            continue  # nested figures stay in the JSON file or the script's own tables
        lines.append(f"| {key} | {value:.4f} |" if isinstance(value, float) else f"| {key} | {value} |")
    lines += ["", *extra_lines, "", notes, ""]
    output.with_suffix(".md").write_text("\n".join(lines), encoding="utf-8")
    return record
