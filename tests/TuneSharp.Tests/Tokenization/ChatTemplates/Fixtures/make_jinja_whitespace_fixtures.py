"""Writes jinja_whitespace_fixtures.json: what jinja2 renders, in transformers' environment
(ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)), for every combination of the text around a tag,
the tag's kind and its whitespace-control signs, for JinjaWhitespaceTests.cs. Whitespace rules are where a renderer
most easily differs from jinja2 without any real template showing it, so they are checked exhaustively here.

Run in the reference environment:
    ../shared/reference/py tests/TuneSharp.Tests/Tokenization/ChatTemplates/Fixtures/make_jinja_whitespace_fixtures.py
"""
import itertools
import json
import os

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

HERE = os.path.dirname(os.path.abspath(__file__))

BEFORE = ["", "a", "  ", "\t ", "a  ", "\n", "a\n", "a\n  ", "a\n\t", "\n  \n  ", " \r\n "]
AFTER = ["", "b", "  ", "\n", "\nb", "  \n", "\n\n", " b\n", "\r\n"]
# (opening, closing) pairs: blocks, variables and comments with each whitespace-control sign.
TAGS = [
    ("{% if true %}", "{% endif %}"),
    ("{%- if true %}", "{% endif -%}"),
    ("{%+ if true %}", "{%+ endif %}"),
    ("{% if true -%}", "{%- endif %}"),
    ("{% if true +%}", "{% endif +%}"),
    ("{% set v = 1 %}", ""),
    ("{{ 'x' }}", ""),
    ("{{- 'x' }}", ""),
    ("{{ 'x' -}}", ""),
    ("{# c #}", ""),
    ("{#- c #}", ""),
    ("{# c -#}", ""),
]


def main():
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    cases = []
    for before, (opening, closing), middle, after in itertools.product(BEFORE, TAGS, ["", "\n", "  \n"], AFTER):
        source = before + opening + middle + ("y" if closing else "") + closing + after
        cases.append({"source": source, "expected": env.from_string(source).render()})
    with open(os.path.join(HERE, "jinja_whitespace_fixtures.json"), "w", encoding="utf-8") as f:
        json.dump({"jinja2": jinja2.__version__, "cases": cases}, f, ensure_ascii=False, indent=0)
        f.write("\n")
    print(len(cases), "cases")


if __name__ == "__main__":
    main()
