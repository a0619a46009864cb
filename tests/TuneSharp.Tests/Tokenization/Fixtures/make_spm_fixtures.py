"""Writes the tiny SentencePiece models in spm/ beside this script, for SentencePieceUnigramTests.cs and
PrecompiledCharsMapTests.cs.

Plain python3, no packages (the reference environment has neither `sentencepiece` nor `protobuf`):
    python3 tests/TuneSharp.Tests/Tokenization/Fixtures/make_spm_fixtures.py

Everything here is written by hand from the published formats (facts, no code taken from anywhere):
  * ModelProto (sentencepiece_model.proto): ModelProto.pieces = 1 (SentencePiece: piece 1, score 2 as a 32-bit
    float, type 3), trainer_spec = 2 (model_type 3, treat_whitespace_as_suffix 24, byte_fallback 35, unk_id 40,
    bos_id 41, eos_id 42, pad_id 43, unk_piece 45, bos_piece 46, eos_piece 47, pad_piece 48),
    normalizer_spec = 3 (name 1, precompiled_charsmap 2, add_dummy_prefix 3, remove_extra_whitespaces 4,
    escape_whitespaces 5). Piece types: NORMAL 1, UNKNOWN 2, CONTROL 3, USER_DEFINED 4, UNUSED 5, BYTE 6.
  * precompiled_charsmap: uint32 little-endian size of the trie in bytes, the trie (a Darts-clone double array
    of uint32 units over the UTF-8 bytes of each source string), then the replacement strings, each ended by
    NUL; a trie value is the byte offset of its replacement. Darts-clone units: bit 8 "has leaf", bits 0-7 the
    label, bits 10-31 the offset (bit 9 set would mean "shifted by 8", not needed for tries this small); a leaf
    unit has bit 31 set and the value in bits 0-30. From the node at position p with offset o, the child for
    byte c sits at p ^ o ^ c and the node's own value (if it has one) at p ^ o.

The double array is built here with a plain first-fit placement and then checked by a common-prefix search
written the way SentencePiece reads it, so the files are valid charsmaps whatever TuneSharp does with them.
The expected tokenizations are derived by hand in the C# tests' comments (the vocabularies are tiny on purpose).
"""
import base64
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "spm")

NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE = 1, 2, 3, 4, 5, 6


# ---------------------------------------------------------------- protobuf (proto2 wire format) by hand
def varint(n):
    if n < 0:
        n += 1 << 64  # negative int32 values are written as 10-byte varints
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def f_varint(field, n):
    return varint(field << 3 | 0) + varint(n)


def f_bytes(field, data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    return varint(field << 3 | 2) + varint(len(data)) + data


def f_float(field, x):
    return varint(field << 3 | 5) + struct.pack("<f", x)


def model_proto(pieces, trainer, normalizer):
    out = bytearray()
    for piece, score, kind in pieces:
        body = f_bytes(1, piece) + f_float(2, score) + f_varint(3, kind)
        out += f_bytes(1, body)
    t = bytearray()
    t += f_varint(3, trainer.get("model_type", 1))
    if "byte_fallback" in trainer:
        t += f_varint(35, 1 if trainer["byte_fallback"] else 0)
    for name, field in (("unk_id", 40), ("bos_id", 41), ("eos_id", 42), ("pad_id", 43)):
        if name in trainer:
            t += f_varint(field, trainer[name])
    for name, field in (("unk_piece", 45), ("bos_piece", 46), ("eos_piece", 47), ("pad_piece", 48)):
        if name in trainer:
            t += f_bytes(field, trainer[name])
    out += f_bytes(2, bytes(t))
    n = bytearray()
    n += f_bytes(1, normalizer["name"])
    if normalizer.get("charsmap"):
        n += f_bytes(2, normalizer["charsmap"])
    for name, field in (("add_dummy_prefix", 3), ("remove_extra_whitespaces", 4), ("escape_whitespaces", 5)):
        if name in normalizer:
            n += f_varint(field, 1 if normalizer[name] else 0)
    out += f_bytes(3, bytes(n))
    return bytes(out)


# ---------------------------------------------------------------- Darts-clone double array by hand
def build_double_array(entries):
    """entries: {key bytes: value}; returns the trie as bytes (uint32 little-endian units)."""
    root = {}
    for key, value in entries.items():
        assert key and b"\0" not in key and 0 <= value < (1 << 31)
        node = root
        for b in key:
            node = node.setdefault(b, {})
        node[None] = value
    units = {}
    used = {0}
    bases = set()  # a base may serve one parent only, or a child of one parent would answer for another's label
    queue = [(root, 0)]
    labels_at = {0: 0}
    while queue:
        node, pos = queue.pop(0)
        children = sorted(k for k in node if k is not None)
        slots = ([0] if None in node else []) + children
        base = 1
        while base in bases or any((base ^ c) in used or (base ^ c) == 0 for c in slots):
            base += 1
        bases.add(base)
        offset = pos ^ base
        assert 0 < offset < (1 << 21)
        for c in slots:
            used.add(base ^ c)
        units[pos] = (offset << 10) | ((1 << 8) if None in node else 0) | labels_at[pos]
        if None in node:
            units[base] = (1 << 31) | node[None]
        for c in children:
            labels_at[base ^ c] = c
            queue.append((node[c], base ^ c))
    size = max(units) + 1
    array = [units.get(i, 0) for i in range(size)]
    return array


def common_prefix_search(array, key):
    """(value, length) for every prefix of key in the trie, shortest first, as SentencePiece reads it."""
    def offset(u):
        return (u >> 10) << ((u & (1 << 9)) >> 6)
    results = []
    pos = 0
    pos ^= offset(array[0])
    for i, c in enumerate(key):
        pos ^= c
        if pos >= len(array):
            break
        unit = array[pos]
        if (unit & ((1 << 31) | 0xFF)) != c:
            break
        pos ^= offset(unit)
        if (unit >> 8) & 1:
            results.append((array[pos] & 0x7FFFFFFF, i + 1))
    return results


def charsmap(rules):
    """rules: {source str: replacement str} → precompiled_charsmap bytes."""
    normalized = bytearray()
    entries = {}
    for source, target in sorted(rules.items(), key=lambda kv: kv[0].encode("utf-8")):
        entries[source.encode("utf-8")] = len(normalized)
        normalized += target.encode("utf-8") + b"\0"
    array = build_double_array(entries)
    # Check every rule reads back with a longest-prefix match, and that a few non-keys do not match.
    for source, target in rules.items():
        key = source.encode("utf-8")
        found = common_prefix_search(array, key)
        value, length = max(found, key=lambda r: r[1])
        assert length == len(key), source
        assert normalized[value:normalized.index(b"\0", value)].decode("utf-8") == target, source
    probes = ["a", "z", "A", "e", "\u0301", "A\u0301", "\uff21\u0301", "\uff22", "\uff9f", "@@", "x", "\u3099"]
    for source in rules:
        probes += [source[:i] for i in range(1, len(source)) if source[:i] not in rules]
    for probe in probes:
        key = probe.encode("utf-8")
        assert all(length != len(key) for _, length in common_prefix_search(array, key)), probe
    trie = b"".join(struct.pack("<I", u) for u in array)
    return struct.pack("<I", len(trie)) + trie + bytes(normalized)


# ---------------------------------------------------------------- the fixtures
# A small NFKC-like rule table with the cases the tests need: full-width letters, circled digits, NBSP and the
# ideographic space to a space, a ligature that grows, a character that is removed, a two-character source whose
# first character is a key of its own (longest match must win), and a decomposed e + acute that composes.
RULES = {
    "\uff21": "A",          # Ａ full-width A
    "\uff41": "a",          # ａ full-width a
    "\u2460": "1",          # ① circled digit one
    "\u00a0": " ",          # NBSP
    "\u3000": " ",          # ideographic space
    "\t": " ",
    "\ufb01": "fi",         # ﬁ ligature
    "\u200b": "",           # zero-width space: removed
    "\uff76": "\u30ab",     # ｶ half-width katakana KA → カ
    "\uff9e": "\u3099",     # ﾞ half-width voiced mark → combining voiced mark
    "\uff76\uff9e": "\u30ac",  # ｶﾞ → ガ (longer than the rule for ｶ alone)
    "e\u0301": "\u00e9",    # e + combining acute → é
}

# XLM-R / CamemBERT layout: <unk> 0, <s> 1, </s> 2 (SentencePiece's defaults), then the pieces.
XLMR_PIECES = [
    ("<unk>", 0.0, UNKNOWN), ("<s>", 0.0, CONTROL), ("</s>", 0.0, CONTROL),
    ("\u2581", -1.0, NORMAL),        # 3 ▁
    ("\u2581He", -3.0, NORMAL),      # 4
    ("llo", -2.5, NORMAL),           # 5
    ("\u2581Hello", -5.0, NORMAL),   # 6
    ("H", -4.0, NORMAL),             # 7
    ("e", -3.0, NORMAL),             # 8
    ("l", -2.0, NORMAL),             # 9
    ("o", -2.0, NORMAL),             # 10
    ("A", -2.0, NORMAL),             # 11
    ("1", -2.0, NORMAL),             # 12
    ("\u2581A", -2.5, NORMAL),       # 13
    ("fi", -3.0, NORMAL),            # 14
    ("f", -3.5, NORMAL),             # 15
    ("i", -3.5, NORMAL),             # 16
    ("ll", -0.5, UNUSED),            # 17 would win every "ll" if it were used
    ("@@", 0.0, USER_DEFINED),       # 18
    ("\u30ab", -3.0, NORMAL),        # 19 カ
    ("\u30ac", -3.0, NORMAL),        # 20 ガ
    ("\u3099", -4.0, NORMAL),        # 21 combining voiced mark
    ("\u00e9", -3.0, NORMAL),        # 22 é
    ("a", -2.0, NORMAL),             # 23
    ("\u2581a", -2.5, NORMAL),       # 24
    (",", -2.0, NORMAL),             # 25
    (".", -2.0, NORMAL),             # 26
]

# T5 layout (<pad> 0, </s> 1, <unk> 2) with byte fallback: byte pieces 3..258 (byte b is id 3 + b).
T5_PIECES = [("<pad>", 0.0, CONTROL), ("</s>", 0.0, CONTROL), ("<unk>", 0.0, UNKNOWN)]
T5_PIECES += [("<0x%02X>" % b, 0.0, BYTE) for b in range(256)]
T5_PIECES += [
    ("\u2581", -1.0, NORMAL),        # 259
    ("\u2581a", -2.0, NORMAL),       # 260
    ("b", -2.0, NORMAL),             # 261
    ("\u2581ab", -3.0, NORMAL),      # 262
    ("c", -2.5, NORMAL),             # 263
    ("X", -2.0, NORMAL),             # 264
    (".", -2.0, NORMAL),             # 265
]

# DeBERTa-v2/v3 layout: [PAD] 0, [CLS] 1, [SEP] 2, [UNK] 3.
DEBERTA_PIECES = [("[PAD]", 0.0, CONTROL), ("[CLS]", 0.0, CONTROL), ("[SEP]", 0.0, CONTROL), ("[UNK]", 0.0, UNKNOWN)]
DEBERTA_PIECES += [
    ("\u2581", -1.0, NORMAL),        # 4
    ("\u2581hello", -4.0, NORMAL),   # 5
    ("\u2581Hello", -4.5, NORMAL),   # 6
    ("\u2581world", -4.0, NORMAL),   # 7
    (",", -2.0, NORMAL),             # 8
    ("\u2581,", -2.5, NORMAL),       # 9
    ("!", -2.0, NORMAL),             # 10
    ("A", -2.0, NORMAL),             # 11
    ("\u2581A", -2.5, NORMAL),       # 12
    ("1", -2.0, NORMAL),             # 13
]


def main():
    os.makedirs(OUT, exist_ok=True)
    cmap = charsmap(RULES)
    files = {
        "xlmr_like.model": model_proto(
            XLMR_PIECES, {"model_type": 1, "unk_id": 0, "bos_id": 1, "eos_id": 2, "pad_id": -1},
            {"name": "nmt_nfkc", "charsmap": cmap}),
        "t5_like_bytes.model": model_proto(
            T5_PIECES, {"model_type": 1, "byte_fallback": True, "unk_id": 2, "bos_id": -1, "eos_id": 1, "pad_id": 0},
            {"name": "identity"}),
        "deberta_like.model": model_proto(
            DEBERTA_PIECES, {"model_type": 1, "unk_id": 3, "bos_id": 1, "eos_id": 2, "pad_id": 0,
                             "unk_piece": "[UNK]", "bos_piece": "[CLS]", "eos_piece": "[SEP]", "pad_piece": "[PAD]"},
            {"name": "nmt_nfkc", "charsmap": cmap}),
    }
    for name, data in files.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
    # The same charsmap and vocabulary for tokenizer.json tests ("Precompiled" holds the charsmap in base64).
    with open(os.path.join(OUT, "xlmr_like_pieces.json"), "w", encoding="utf-8") as f:
        json.dump({
            "precompiled_charsmap": base64.b64encode(cmap).decode("ascii"),
            "pieces": [[p, s, t] for p, s, t in XLMR_PIECES],
        }, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print("wrote", ", ".join(sorted(files)), "and xlmr_like_pieces.json; charsmap", len(cmap), "bytes")


if __name__ == "__main__":
    main()
