"""Writes jinja_expression_fixtures.json: what jinja2 gives, in transformers' environment, for every operator between
pairs of sample values, and for every supported filter and test applied to each sample value, for
ChatTemplateExpressionTests.cs. Python's semantics (bools are ints, true division, floored modulo, str() of lists and
floats, tojson's escaping, undefined values) are where a renderer quietly differs, so they are checked as a product.
A case jinja2 refuses records only that it raises: TuneSharp must refuse it too.

Run in the reference environment:
    ../shared/reference/py tests/TuneSharp.Tests/Tokenization/ChatTemplates/Fixtures/make_jinja_expression_fixtures.py
"""
import json
import os

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

HERE = os.path.dirname(os.path.abspath(__file__))

VALUES = ["0", "1", "-3", "2.5", "1e20", "true", "false", "none", "'ab'", "''", "' A b '", "'é😀'", "[1, 2]", "[]",
          "['b', 'a', 'b']", "(1, 'x')", "{'k': 1, 'a': [true]}", "{}", "nope"]
OPERATORS = ["+", "-", "*", "/", "//", "%", "**", "~", "==", "!=", "<", ">=", "in", "not in", "and", "or"]
FILTERS = ["length", "string", "int", "float", "list", "first", "last", "trim", "lower", "upper", "capitalize", "title",
           "tojson", "default('d')", "default('d', true)", "abs", "join(',')", "items | list", "reverse | list",
           "unique | list", "sum", "select | list", "reject | list", "map('string') | list", "indent(2, true)",
           "replace('a', 'z')"]
TEXTS = ["'  a\\tb\\n '", "'Hello wORLD'", "\"they're 2nd\"", "'a-b_c d'", "'bab'", "''", "'ÉCOLE été'"]
METHODS = ["strip()", "strip('a ')", "lstrip()", "rstrip()", "split()", "split('b')", "split(' ', 1)", "upper()", "lower()",
           "title()", "capitalize()", "startswith('a')", "endswith(('b', 'x'))", "replace('b', 'Q')", "find('b')",
           "count('b')", "get('k')", "get('z', 'dflt')", "items() | list", "keys() | list", "values() | list"]
SUBSCRIPTS = ["[0]", "[-1]", "[5]", "[1:]", "[:-1]", "[::-1]", "[::2]", "['k']", ".k", ".a[0]", "[0][0]"]
# What TuneSharp deliberately does not model: complex numbers and integers beyond 64 bits.
NOT_MODELLED = ["{{ -3 ** 2.5 }}", "{{ 1e20 | int }}"]
TESTS = ["defined", "undefined", "none", "boolean", "true", "false", "integer", "float", "number", "string", "mapping",
         "iterable", "sequence", "odd", "even", "divisibleby(2)", "in([1, 'ab'])", "eq(1)", "lower", "upper"]


def main():
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    sources = [f"{{{{ {a} {op} {b} }}}}" for op in OPERATORS for a in VALUES for b in VALUES]
    sources += [f"{{{{ {v} | {f} }}}}" for f in FILTERS for v in VALUES]
    sources += [f"{{{{ {v} is {t} }}}}|{{{{ {v} is not {t} }}}}" for t in TESTS for v in VALUES]
    sources += [f"{{{{ {v}.{m} }}}}" for m in METHODS for v in VALUES + TEXTS]
    sources += [f"{{{{ {v}{sub} }}}}|{{{{ {v}{sub} is defined }}}}" for sub in SUBSCRIPTS for v in VALUES + TEXTS]
    sources += [f"{{{{ {v} | {f} }}}}" for f in FILTERS for v in TEXTS]
    sources += [f"{{{{ not {v} }}}}|{{{{ -{v} }}}}|{{% if {v} %}}T{{% else %}}F{{% endif %}}" for v in VALUES]
    cases = []
    for source in (s for s in sources if s not in NOT_MODELLED):
        try:
            cases.append({"source": source, "expected": env.from_string(source).render()})
        except Exception as error:  # jinja2 refused it: TuneSharp must refuse it as well
            cases.append({"source": source, "raises": type(error).__name__})
    with open(os.path.join(HERE, "jinja_expression_fixtures.json"), "w", encoding="utf-8") as f:
        json.dump({"jinja2": jinja2.__version__, "cases": cases}, f, ensure_ascii=False, indent=0)
        f.write("\n")
    print(len(cases), "cases,", sum("raises" in c for c in cases), "raise")


if __name__ == "__main__":
    main()
