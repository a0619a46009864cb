"""Writes spm/slow_tokenizers.json: what transformers' own slow tokenizer classes (XLMRobertaTokenizer,
CamembertTokenizer, DebertaV2Tokenizer, T5Tokenizer) give for the tiny models of make_spm_fixtures.py, for
SentencePieceSlowTokenizerTests.cs.

Run in the reference environment (after make_spm_fixtures.py):
    ../shared/reference/py tests/TuneSharp.Tests/Tokenization/Fixtures/make_spm_slow_fixtures.py

The reference environment has no `sentencepiece` package, so this script puts a small stand-in for
`sentencepiece.SentencePieceProcessor` in sys.modules before importing the tokenizer modules. The stand-in is written
here from SentencePiece's documented behaviour (ModelProto fields, Normalizer::Normalize with the precompiled charsmap's
longest match, the optimised Unigram Viterbi in 32-bit floats with the unknown penalty 10 and the user-defined bonus,
unknown runs merged, byte fallback, Decode's leading-space rule); it is a second, independent implementation in another
language, not TuneSharp's code. What the fixture then checks on the C# side is mostly transformers' part, which runs
unchanged: the fairseq/CamemBERT id offsets, added and special tokens cut from the text (lstrip/rstrip), templates,
token type ids and decoding.
"""
import importlib.machinery
import json
import os
import struct
import sys
import types

HERE = os.path.dirname(os.path.abspath(__file__))
SPM = os.path.join(HERE, "spm")
KSPACE = "\u2581"


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


# ------------------------------------------------------------------ a minimal ModelProto reader
def fields(data):
    pos = 0
    while pos < len(data):
        key, pos = varint(data, pos)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = varint(data, pos)
        elif wire == 2:
            n, pos = varint(data, pos)
            value, pos = data[pos:pos + n], pos + n
        elif wire == 5:
            value, pos = data[pos:pos + 4], pos + 4
        elif wire == 1:
            value, pos = data[pos:pos + 8], pos + 8
        else:
            raise ValueError("wire type %d" % wire)
        yield field, value


def varint(data, pos):
    result = shift = 0
    while True:
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return result, pos


class Model:
    def __init__(self, data):
        self.data = data
        self.pieces = []
        self.byte_fallback = False
        self.charsmap = b""
        self.add_dummy_prefix = self.remove_extra = self.escape = True
        for f, v in fields(data):
            if f == 1:
                piece, score, kind = "", 0.0, 1
                for g, w in fields(v):
                    if g == 1:
                        piece = w.decode("utf-8")
                    elif g == 2:
                        score = struct.unpack("<f", w)[0]
                    elif g == 3:
                        kind = w
                self.pieces.append((piece, score, kind))
            elif f == 2:
                for g, w in fields(v):
                    if g == 35:
                        self.byte_fallback = bool(w)
            elif f == 3:
                for g, w in fields(v):
                    if g == 2:
                        self.charsmap = bytes(w)
                    elif g == 3:
                        self.add_dummy_prefix = bool(w)
                    elif g == 4:
                        self.remove_extra = bool(w)
                    elif g == 5:
                        self.escape = bool(w)
        self.ids = {}
        for i, (p, _, _) in enumerate(self.pieces):
            self.ids.setdefault(p, i)
        self.unk = next(i for i, p in enumerate(self.pieces) if p[2] == 2)
        normal = [s for _, s, k in self.pieces if k == 1]
        self.min_score = min(normal)
        self.max_score = max(max(normal), 1.17549435e-38)
        self.user = [p.encode() for p, _, k in self.pieces if k == 4]
        if self.charsmap:
            size = struct.unpack("<I", self.charsmap[:4])[0]
            self.units = struct.unpack("<%dI" % (size // 4), self.charsmap[4:4 + size])
            self.replacements = self.charsmap[4 + size:]

    # SentencePiece's Darts commonPrefixSearch, longest result
    def rule(self, key):
        def offset(u):
            return (u >> 10) << ((u & (1 << 9)) >> 6)
        best = None
        pos = offset(self.units[0])
        for i, c in enumerate(key):
            pos ^= c
            if pos >= len(self.units) or (self.units[pos] & ((1 << 31) | 0xFF)) != c:
                break
            unit = self.units[pos]
            pos ^= offset(unit)
            if (unit >> 8) & 1:
                best = (i + 1, self.units[pos] & 0x7FFFFFFF)
        if best is None:
            return None
        end = self.replacements.index(b"\0", best[1])
        return self.replacements[best[1]:end], best[0]

    def normalize_prefix(self, b):
        for u in sorted(self.user, key=len, reverse=True):
            if b.startswith(u):
                return u, len(u)
        if self.charsmap:
            r = self.rule(b)
            if r is not None:
                return r
        n = 1
        while n < len(b) and (b[n] & 0xC0) == 0x80:
            n += 1
        return b[:n], n

    def normalize(self, text):
        b = text.encode("utf-8")
        if self.remove_extra:
            while b:
                r, n = self.normalize_prefix(b)
                if r != b" ":
                    break
                b = b[n:]
        if not b:
            return ""
        space = KSPACE.encode() if self.escape else b" "
        out = bytearray(space if self.add_dummy_prefix else b"")
        prev_space = self.remove_extra
        while b:
            r, n = self.normalize_prefix(b)
            if prev_space:
                r = r.lstrip(b" ")
            if r:
                out += r.replace(b" ", space)
                prev_space = r.endswith(b" ")
            b = b[n:]
            if not self.remove_extra:
                prev_space = False
        if self.remove_extra:
            while out.endswith(space):
                del out[-len(space):]
        return out.decode("utf-8")

    def viterbi(self, s):
        n = len(s)
        best = [None] * (n + 1)  # (score, start, id)
        best[0] = (0.0, 0, -1)
        unk = f32(self.min_score - 10.0)
        for k in range(n):
            before = best[k][0]
            single = False
            for e in range(k + 1, n + 1):
                piece = s[k:e]
                i = self.ids.get(piece)
                if i is None or self.pieces[i][2] not in (1, 4):
                    continue
                if self.pieces[i][2] == 4:
                    cand = before + (f32(len(piece.encode()) * self.max_score) - 0.1)
                else:
                    cand = f32(before + self.pieces[i][1])
                if e == k + 1:
                    single = True
                if best[e] is None or cand > best[e][0]:
                    best[e] = (f32(cand), k, i)
            if not single:
                cand = f32(before + unk)
                if best[k + 1] is None or cand > best[k + 1][0]:
                    best[k + 1] = (cand, k, -1)
        path = []
        e = n
        while e > 0:
            _, k, i = best[e]
            path.append((s[k:e], i))
            e = k
        return path[::-1]

    def encode(self, text):
        pieces = []
        prev_unk = False
        for piece, i in self.viterbi(self.normalize(text)):
            if i < 0 and self.byte_fallback:
                pieces += ["<0x%02X>" % c for c in piece.encode()]
            elif i < 0 and prev_unk:
                pieces[-1] += piece
            else:
                pieces.append(piece)
            prev_unk = i < 0 and not self.byte_fallback
        return pieces

    def piece_to_id(self, piece):
        return self.ids.get(piece, self.unk)

    def decode(self, pieces):
        text, data, bos_ws, seen = "", bytearray(), True, False
        for p in pieces:
            i = self.piece_to_id(p)
            kind = self.pieces[i][2]
            if kind == 6:
                data.append(int(p[3:5], 16))
                continue
            text += data.decode("utf-8", "replace")
            data = bytearray()
            if seen or text:
                bos_ws = False
            seen = False
            if kind == 3:
                continue
            if kind == 2:
                text += " \u2047 " if p == self.pieces[i][0] else p
                continue
            if bos_ws and (self.add_dummy_prefix or self.remove_extra) and p.startswith(KSPACE):
                p = p[1:]
                seen = not self.remove_extra
            text += p.replace(KSPACE, " ")
        return text + data.decode("utf-8", "replace")


class SentencePieceProcessor:
    def __init__(self, **kwargs):
        self.model = None

    def Load(self, path):
        with open(path, "rb") as f:
            self.model = Model(f.read())

    load = Load

    def LoadFromSerializedProto(self, data):
        self.model = Model(data)

    def serialized_model_proto(self):
        return self.model.data

    def encode(self, text, out_type=str, **kwargs):
        pieces = self.model.encode(text)
        return pieces if out_type is str else [self.model.piece_to_id(p) for p in pieces]

    def PieceToId(self, piece):
        return self.model.piece_to_id(piece)

    piece_to_id = PieceToId

    def IdToPiece(self, i):
        return self.model.pieces[i][0]

    id_to_piece = IdToPiece

    def GetPieceSize(self):
        return len(self.model.pieces)

    get_piece_size = GetPieceSize

    def __len__(self):
        return len(self.model.pieces)

    def decode(self, pieces):
        if pieces and isinstance(pieces[0], int):
            pieces = [self.IdToPiece(i) for i in pieces]
        return self.model.decode(pieces)

    decode_pieces = decode


stub = types.ModuleType("sentencepiece")
stub.__spec__ = importlib.machinery.ModuleSpec("sentencepiece", None)  # transformers calls find_spec on it
stub.SentencePieceProcessor = SentencePieceProcessor
sys.modules["sentencepiece"] = stub

from transformers.models.camembert.tokenization_camembert import CamembertTokenizer  # noqa: E402
from transformers.models.deberta_v2.tokenization_deberta_v2 import DebertaV2Tokenizer  # noqa: E402
from transformers.models.t5.tokenization_t5 import T5Tokenizer  # noqa: E402
from transformers.models.xlm_roberta.tokenization_xlm_roberta import XLMRobertaTokenizer  # noqa: E402

CASES = {
    "xlmr": (lambda: XLMRobertaTokenizer(os.path.join(SPM, "xlmr_like.model")),
             ["Hello", "Hell", "Hxyz", "A@@A", "  Hello   ", "\uff21\uff21\u2460", "A\u00a0\u00a0A", "A\tA", "\ufb01",
              "A\u200bA", "\uff76\uff9e", "e\u0301", "\uff21\u0301", "Hello <mask>", "<s>Hello</s>Hello", "a, a."],
             [("Hello", "\uff21\uff21\u2460"), ("Hell o", "<mask> a")]),
    "camembert": (lambda: CamembertTokenizer(os.path.join(SPM, "xlmr_like.model")),
                  ["Hello", "Hxyz", "\uff21\uff21\u2460", "<s>NOTUSED Hello", "Hello <mask>", "a, a."],
                  [("Hello", "\uff21\uff21\u2460")]),
    "deberta": (lambda: DebertaV2Tokenizer(os.path.join(SPM, "deberta_like.model")),
                ["Hello, world!", "Hello [MASK]", "\uff21\uff21", "A1", "hello world"],
                [("Hello", "A1"), ("Hello, world!", "A1!")]),
    "deberta_lower": (lambda: DebertaV2Tokenizer(os.path.join(SPM, "deberta_like.model"), do_lower_case=True),
                      ["Hello, world!", "HELLO World"], [("Hello", "World")]),
    "deberta_punct": (lambda: DebertaV2Tokenizer(os.path.join(SPM, "deberta_like.model"), split_by_punct=True),
                      ["Hello, world!", "Hello,world!!"], [("Hello, world!", "A1")]),
    "t5": (lambda: T5Tokenizer(os.path.join(SPM, "t5_like_bytes.model"), legacy=True),
           ["ab", "a\u00e9", "abc <extra_id_0> X.", "abc<extra_id_1>X", "X. ab"], [("ab", "c"), ("X", "ab.")]),
}


def main():
    out = {}
    for name, (make, singles, pairs) in CASES.items():
        tok = make()
        rows = []
        for text in singles:
            enc = tok(text)
            rows.append({"text": text, "tokens": tok.tokenize(text), "input_ids": enc["input_ids"],
                         "decoded": tok.decode(enc["input_ids"], skip_special_tokens=True),
                         "decoded_with_special": tok.decode(enc["input_ids"])})
        pair_rows = []
        for a, b in pairs:
            enc = tok(a, b, return_token_type_ids=True)
            pair_rows.append({"text": a, "pair": b, "input_ids": enc["input_ids"], "token_type_ids": enc["token_type_ids"]})
        out[name] = {"class": type(tok).__name__, "vocab_size": len(tok), "singles": rows, "pairs": pair_rows,
                     "special_ids": {k: getattr(tok, k + "_token_id") for k in ("bos", "eos", "unk", "sep", "pad", "cls", "mask")
                                     if getattr(tok, "_" + k + "_token", None) is not None}}
    with open(os.path.join(SPM, "slow_tokenizers.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print("wrote spm/slow_tokenizers.json:", ", ".join("%s %d+%d" % (k, len(v["singles"]), len(v["pairs"])) for k, v in out.items()))


if __name__ == "__main__":
    main()
