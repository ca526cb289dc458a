#!/usr/bin/env python3
"""Extract real modern Chinese sentences from the Debian package manpages-zh.

The simplified-Chinese manual pages (default /usr/share/man/zh_CN, the layout
Debian installs) are decompressed, stripped of groff/man markup, joined into
paragraphs and split into sentences after 。！？； (a paragraph end also ends a
sentence). A sentence is kept when it has 5..60 characters and at least half of
its non-space characters are Han ideographs. Duplicates are dropped.

The selection is deterministic and prefix-stable: candidates are ordered by the
SHA-256 of their UTF-8 text, so `-n 10000` starts with exactly the lines that
`-n 600` writes. Only the Python standard library is used.

Usage: sentences.py -n N -o PATH [--man-dir DIR]
"""

import argparse
import gzip
import hashlib
import os
import re
import sys

DEFAULT_MAN_DIR = "/usr/share/man/zh_CN"

MIN_CHARS = 5
MAX_CHARS = 60
MIN_HAN_RATIO = 0.5

TERMINATORS = "。！？；"
CLOSERS = "”’）」』》】\"'"

# Requests whose arguments are running text (font-switching macros).
TEXT_MACROS = {"B", "I", "R", "BI", "BR", "IB", "IR", "RB", "RI", "SM", "SB"}
# Alternating-font macros join their arguments without spaces.
ALT_MACROS = {"BI", "BR", "IB", "IR", "RB", "RI"}
# Requests that open a block to skip entirely, with the request that closes it.
SKIP_BLOCKS = {"nf": "fi", "EX": "EE", "TS": "TE", "de": "..", "am": "..",
               "ig": "..", "EQ": "EN", "PS": "PE"}

# Named glyphs (\(xx, \[xx]) that may appear inside sentences.
GLYPHS = {
    "em": "—", "en": "–", "hy": "-", "mi": "-", "lq": "“", "rq": "”",
    "oq": "‘", "cq": "’", "aq": "'", "dq": '"', "bu": "•", "co": "©",
    "rg": "®", "tm": "™", "ga": "`", "ti": "~", "ha": "^", "pl": "+",
    "mu": "×", "di": "÷", ">=": "≥", "<=": "≤", "!=": "≠", "rs": "\\",
    "sl": "/", "ba": "|", "or": "|", "de": "°", "->": "→", "<-": "←",
    "lB": "[", "rB": "]", "lC": "{", "rC": "}", "la": "⟨", "ra": "⟩",
    "Fo": "«", "Fc": "»", "fm": "′", "sd": "″", "ua": "↑", "da": "↓",
}
STRINGS = {"lq": "“", "rq": "”", "R": "®", "Tm": "™", "Aq": "'"}

_ESCAPE_RE = re.compile(
    r"""\\(?:
        f(?:\[[^\]]*\]|\(..|.)          # font change
      | s(?:[-+]?\d+|\([-+]?\d\d|\[[^\]]*\]|'[^']*') # size change
      | [hvwoXlLDZbRSxNCHY]'[^']*'      # escapes with a quoted argument
      | [nkgmMFV](?:\[[^\]]*\]|\(..|.)  # registers, colours, fonts by name
      | \*(?:\[(?P<s1>[^\]]*)\]|\((?P<s2>..)|(?P<s3>.))  # strings
      | \[(?P<g1>[^\]]*)\]              # named glyph, long form
      | \((?P<g2>..)                    # named glyph, short form
      | (?P<c>.)                        # one-character escapes
    )""",
    re.VERBOSE,
)

_ONE_CHAR = {
    "-": "-", "e": "\\", "\\": "\\", "&": "", ",": "", "/": "", "|": "",
    "^": "", " ": " ", "~": " ", "0": " ", "c": "", "%": "", ":": "",
    "'": "'", "`": "`", "t": " ", "d": "", "u": "", "z": "", "p": "",
    "a": "", "r": "", "{": "", "}": "", ".": ".", "!": "", "?": "",
    "E": "\\",
}


def _unescape_match(m):
    for name in ("s1", "s2", "s3"):
        if m.group(name) is not None:
            return STRINGS.get(m.group(name), "")
    for name in ("g1", "g2"):
        if m.group(name) is not None:
            return GLYPHS.get(m.group(name), "")
    c = m.group("c")
    if c is not None:
        return _ONE_CHAR.get(c, c)
    return ""


def unescape(text):
    """Remove groff escapes, mapping the few that stand for characters."""
    # A \" comment runs to the end of the line.
    cut = text.find('\\"')
    if cut >= 0:
        text = text[:cut]
    return _ESCAPE_RE.sub(_unescape_match, text)


def split_args(s):
    """Split request arguments the way groff does: blanks, "double quotes"."""
    args, cur, quoted, i = [], [], False, 0
    while i < len(s):
        ch = s[i]
        if quoted:
            if ch == '"':
                if i + 1 < len(s) and s[i + 1] == '"':
                    cur.append('"')
                    i += 1
                else:
                    quoted = False
            else:
                cur.append(ch)
        elif ch == '"':
            quoted = True
        elif ch in " \t":
            if cur:
                args.append("".join(cur))
                cur = []
        else:
            cur.append(ch)
        i += 1
    if cur:
        args.append("".join(cur))
    return args


def is_han(ch):
    o = ord(ch)
    return (0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF
            or 0xF900 <= o <= 0xFAFF or 0x20000 <= o <= 0x3134F)


def is_wide(ch):
    """Han ideographs and CJK/full-width punctuation: no space around them."""
    o = ord(ch)
    return is_han(ch) or 0x3000 <= o <= 0x303F or 0xFF00 <= o <= 0xFFEF \
        or 0x2018 <= o <= 0x201F


def paragraphs(source):
    """Yield the running-text paragraphs of one man page (markup removed)."""
    para = []
    skip_until = None      # closing request of a skipped block
    skip_braces = 0        # depth of a skipped \{ ... \} conditional body
    tag_pending = False    # the next input line is a .TP/.TQ tag (dropped)

    def flush():
        if para:
            out = para[0]
            for line in para[1:]:
                if out and line and (is_wide(out[-1]) or is_wide(line[0])):
                    out += line
                else:
                    out += " " + line
            para.clear()
            return out
        return None

    for raw in source.split("\n"):
        line = raw.rstrip()
        if skip_braces:
            skip_braces += line.count("\\{") - line.count("\\}")
            if skip_braces < 0:
                skip_braces = 0
            continue
        if line[:1] in (".", "'"):
            body = line[1:].lstrip()
            if body.startswith('\\"'):
                continue                                  # comment line
            name, _, rest = body.partition(" ")
            name = name.split("\t")[0]
            if skip_until is not None:
                if name == skip_until or (skip_until == ".." and body.startswith(".")):
                    skip_until = None
                continue
            if name in SKIP_BLOCKS:
                skip_until = SKIP_BLOCKS[name]
                p = flush()
                if p:
                    yield p
                continue
            if name in ("ie", "el", "if", "while"):
                skip_braces = max(0, line.count("\\{") - line.count("\\}"))
                continue
            if name in TEXT_MACROS:
                if tag_pending:
                    tag_pending = False
                    continue
                args = [unescape(a) for a in split_args(rest)]
                text = ("" if name in ALT_MACROS else " ").join(args).strip()
                if text:
                    para.append(text)
                continue
            # Any other request (SH, SS, PP, TP, IP, br, sp, RS, ...) ends
            # the paragraph; its arguments (headings, tags) are dropped.
            p = flush()
            if p:
                yield p
            tag_pending = name in ("TP", "TQ")
            continue
        if skip_until is not None:
            continue
        if tag_pending:
            tag_pending = False
            continue
        text = unescape(line).strip()
        if not text:
            p = flush()
            if p:
                yield p
            continue
        para.append(text)
    p = flush()
    if p:
        yield p


def split_sentences(paragraph):
    out, cur, i = [], [], 0
    while i < len(paragraph):
        ch = paragraph[i]
        cur.append(ch)
        i += 1
        if ch in TERMINATORS:
            while i < len(paragraph) and paragraph[i] in CLOSERS:
                cur.append(paragraph[i])
                i += 1
            out.append("".join(cur))
            cur = []
    if cur:
        out.append("".join(cur))
    return out


def normalise(sentence):
    s = re.sub(r"\s+", " ", sentence).strip()
    return s


def keep(s):
    if not (MIN_CHARS <= len(s) <= MAX_CHARS):
        return False
    if "\\" in s or any(ord(c) < 0x20 for c in s):
        return False
    visible = [c for c in s if not c.isspace()]
    han = sum(1 for c in visible if is_han(c))
    return han >= MIN_HAN_RATIO * len(visible)


def man_files(man_dir):
    files = []
    for root, dirs, names in os.walk(man_dir):
        dirs.sort()
        for n in sorted(names):
            p = os.path.join(root, n)
            if os.path.islink(p) or not os.path.isfile(p):
                continue
            files.append(p)
    files.sort(key=lambda p: os.path.relpath(p, man_dir))
    return files


def read_page(path):
    if path.endswith(".gz"):
        with gzip.open(path, "rb") as f:
            data = f.read()
    else:
        with open(path, "rb") as f:
            data = f.read()
    return data.decode("utf-8", errors="replace")


def candidates(man_dir):
    seen = set()
    result = []
    for path in man_files(man_dir):
        text = read_page(path)
        if text.startswith(".so "):
            continue                                      # a redirect page
        for para in paragraphs(text):
            for sent in split_sentences(para):
                s = normalise(sent)
                if "\ufffd" in s or not keep(s) or s in seen:
                    continue
                seen.add(s)
                result.append(s)
    return result


def select(sentences, n):
    ordered = sorted(sentences,
                     key=lambda s: hashlib.sha256(s.encode("utf-8")).hexdigest())
    return ordered[:n]


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=600, help="number of sentences (default 600)")
    ap.add_argument("-o", "--output", required=True, help="output file, one sentence per line")
    ap.add_argument("--man-dir", default=DEFAULT_MAN_DIR,
                    help="simplified-Chinese man page tree (default %(default)s)")
    args = ap.parse_args()
    if not os.path.isdir(args.man_dir):
        sys.exit("sentences.py: %s not found: install the Debian package manpages-zh"
                 % args.man_dir)
    pool = candidates(args.man_dir)
    chosen = select(pool, args.n)
    if len(chosen) < args.n:
        print("sentences.py: only %d sentences available (asked for %d)"
              % (len(chosen), args.n), file=sys.stderr)
    out_dir = os.path.dirname(os.path.abspath(args.output))
    os.makedirs(out_dir, exist_ok=True)
    tmp = args.output + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        for s in chosen:
            f.write(s + "\n")
    os.replace(tmp, args.output)
    print("sentences.py: wrote %d of %d candidate sentences to %s"
          % (len(chosen), len(pool), args.output), file=sys.stderr)


if __name__ == "__main__":
    main()
