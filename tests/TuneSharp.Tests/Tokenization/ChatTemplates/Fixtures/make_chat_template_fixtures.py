"""Writes chat_template_fixtures.json: what transformers' apply_chat_template renders for real chat templates and
for TuneSharp's built-in ones, for ChatTemplateGoldenTests.cs.

Run in the reference environment (transformers 4.40, jinja2 3.1):
    ../shared/reference/py tests/TuneSharp.Tests/Tokenization/ChatTemplates/Fixtures/make_chat_template_fixtures.py

templates/*.jinja are the chat templates the model families publish in their tokenizer_config.json (Llama-3-8B-Instruct,
Llama-3.1-8B-Instruct (its multi-line form with tool support), Qwen2-7B-Instruct, Mistral-7B-Instruct-v0.1, zephyr-7b-beta, gemma-7b-it, Phi-3-mini-4k-instruct, Llama-2-7b-chat-hf),
written out as facts; templates/transformers-*.jinja are the default templates transformers 4.40 ships, copied from
the installed library by this script; features.jinja is TuneSharp's own, exercising constructs beyond theirs. The built-in templates are
read from src/TuneSharp/Tokenization/ChatTemplates/BuiltIn/, the files TuneSharp embeds. Every template is rendered
with the slow LlamaTokenizer of shared/models/stories260K whose special tokens are set to the family's, so the template
sees exactly what apply_chat_template passes it (messages, add_generation_prompt, the special tokens map,
raise_exception). A case that raises records the exception's message instead of a text.
"""
import json
import os

import jinja2
import transformers
from transformers import LlamaTokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", "..", "..", ".."))
BUILT_IN = os.path.join(REPO, "src", "TuneSharp", "Tokenization", "ChatTemplates", "BuiltIn")
MODEL = os.path.abspath(os.path.join(REPO, "..", "shared", "models", "stories260K"))

LLAMA3 = ("<|begin_of_text|>", "<|eot_id|>")
S_TOKENS = ("<s>", "</s>")

# (fixture name, template file, bos, eos)
REAL = [
    ("llama-3-instruct", "templates/llama-3-instruct.jinja", *LLAMA3),
    ("llama-3.1-instruct", "templates/llama-3.1-instruct.jinja", *LLAMA3),
    ("qwen2-instruct", "templates/qwen2-instruct.jinja", None, "<|im_end|>"),
    ("mistral-7b-instruct", "templates/mistral-7b-instruct.jinja", *S_TOKENS),
    ("zephyr-7b-beta", "templates/zephyr-7b-beta.jinja", *S_TOKENS),
    ("gemma-it", "templates/gemma-it.jinja", "<bos>", "<eos>"),
    ("phi-3-mini-instruct", "templates/phi-3-mini-instruct.jinja", "<s>", "<|endoftext|>"),
    ("llama-2-chat", "templates/llama-2-chat.jinja", *S_TOKENS),
    ("features", "templates/features.jinja", *S_TOKENS),
]
BUILT_INS = [
    ("chatml", None, "<|im_end|>"),
    ("alpaca", *S_TOKENS),
    ("llama-2", *S_TOKENS),
    ("llama-3", *LLAMA3),
    ("zephyr", *S_TOKENS),
    ("mistral", *S_TOKENS),
]


def m(role, content):
    return {"role": role, "content": content}


CONVERSATIONS = {
    "single_turn": [m("user", "Hello!")],
    "system_single_turn": [m("system", "You are a pirate."), m("user", "Where is the treasure?")],
    "multi_turn": [m("user", "Hi"), m("assistant", "Hello, how can I help?"), m("user", "Tell me a joke.")],
    "system_multi_turn_ending_assistant": [
        m("system", "Be brief."), m("user", "2+2?"), m("assistant", "4"), m("user", "3+3?"), m("assistant", "6")],
    "tricky_contents": [
        m("user", "  leading and trailing spaces  "),
        m("assistant", "line one\nline two\n\n\tindented \"double\" and 'single' quotes"),
        m("user", "unicode: café naïve 日本語 emoji 😀🎉 and a backslash \\ and {{ braces }} {% tags %}")],
    "newline_edges": [m("user", "\nstarts with a newline"), m("assistant", "ends with a newline\n")],
    "empty_content": [m("user", ""), m("assistant", "")],
    "two_users_in_a_row": [m("user", "first"), m("user", "second")],
    "assistant_first": [m("assistant", "I speak first"), m("user", "ok")],
    "system_in_the_middle": [m("user", "a"), m("assistant", "b"), m("system", "c"), m("user", "d")],
    "unknown_role": [m("user", "a"), m("tool", "b")],
    "empty": [],
    "alpaca_with_input": [m("user", "Summarise the text."), m("input", "The cat sat on the mat."), m("assistant", "A cat sat.")],
}


def write_transformers_defaults():
    """The default chat templates transformers 4.40 itself ships (tokenizer classes' default_chat_template), copied
    from the installed library into templates/ so the C# tests read the same text: Llama's with and without its
    default system prompt (the <<SYS>> test and the long escaped default prompt), GPT-SW3's and Blenderbot's. Only
    slow tokenizer classes are available here (the reference environment has no `tokenizers`)."""
    from types import SimpleNamespace

    from transformers import BlenderbotTokenizer, GPTSw3Tokenizer

    written = []
    for flag in (False, True):
        text = LlamaTokenizer.default_chat_template.fget(SimpleNamespace(use_default_system_prompt=flag))
        written.append((f"transformers-llama-default{'-system-prompt' if flag else ''}", text))
    written.append(("transformers-gpt-sw3-default", GPTSw3Tokenizer.default_chat_template.fget(SimpleNamespace())))
    written.append(("transformers-blenderbot-default", BlenderbotTokenizer.default_chat_template.fget(SimpleNamespace())))
    for name, text in written:
        with open(os.path.join(HERE, "templates", name + ".jinja"), "w", encoding="utf-8") as f:
            f.write(text)
    return [(name, f"templates/{name}.jinja") for name, _ in written]


def make_tokenizer(bos, eos):
    tokenizer = LlamaTokenizer.from_pretrained(MODEL)
    tokenizer.bos_token = bos
    tokenizer.eos_token = eos
    return tokenizer


def render(tokenizer, template, messages, add_generation_prompt):
    try:
        text = tokenizer.apply_chat_template(
            messages, chat_template=template, tokenize=False, add_generation_prompt=add_generation_prompt)
        return {"expected": text}
    except jinja2.TemplateError as error:
        return {"error": str(error), "error_type": type(error).__name__}


def fixture(name, source, bos, eos, kind):
    tokenizer = make_tokenizer(bos, eos)
    cases = []
    for conversation, messages in CONVERSATIONS.items():
        for add_generation_prompt in (False, True):
            case = {"conversation": conversation, "add_generation_prompt": add_generation_prompt, "messages": messages}
            case.update(render(tokenizer, source, messages, add_generation_prompt))
            cases.append(case)
    special = {k: v for k, v in tokenizer.special_tokens_map.items() if isinstance(v, str)}
    return {"name": name, "kind": kind, "special_tokens": special, "cases": cases}


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def main():
    defaults = [(name, path, *S_TOKENS) for name, path in write_transformers_defaults()]
    fixtures = [fixture(name, read(os.path.join(HERE, path)), bos, eos, "file:" + path)
                for name, path, bos, eos in REAL + defaults]
    fixtures += [fixture(name, read(os.path.join(BUILT_IN, name + ".jinja")), bos, eos, "builtin")
                 for name, bos, eos in BUILT_INS]
    out = {"transformers": transformers.__version__, "jinja2": jinja2.__version__, "templates": fixtures}
    with open(os.path.join(HERE, "chat_template_fixtures.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write("\n")
    for f_ in fixtures:
        errors = sum("error" in c for c in f_["cases"])
        print(f"{f_['name']}: {len(f_['cases'])} cases, {errors} raise")


if __name__ == "__main__":
    main()
