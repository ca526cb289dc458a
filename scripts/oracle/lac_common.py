"""Shared helpers of the LAC oracle scripts: paths, dictionaries, preprocessing.

The preprocessing follows Baidu LAC's reader for the char-level seg model:
every character (Unicode code point) of the text is first replaced through
conf/q2b.dic (full-width -> half-width, some traditional -> simplified), then
looked up in conf/word.dic; a character that is not there gets the id of the
entry "OOV". Dictionary lines are "key<TAB>value"; a line that does not split
into exactly two fields is ignored; nothing but the trailing newline is
stripped (word.dic id 0 is the space character). The text itself is used as
given: no trimming, no other normalisation.
"""

import os

REPO_ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def shared_dir():
    """GOHUB_SHARED, else ../shared relative to the repository root."""
    return os.environ.get("GOHUB_SHARED") or os.path.normpath(os.path.join(REPO_ROOT, "..", "shared"))


def lac_seg_dir():
    return os.path.join(shared_dir(), "models", "lac_seg")


def load_pairs(path):
    pairs = []
    with open(path, "r", encoding="utf-8", newline="\n") as f:
        for line in f:
            terms = line.rstrip("\n").split("\t")
            if len(terms) == 2:
                pairs.append((terms[0], terms[1]))
    return pairs


class Vocab:
    """word.dic (id -> char), q2b.dic (char -> char), tag.dic (id -> tag)."""

    def __init__(self, model_dir):
        conf = os.path.join(model_dir, "conf")
        self.word2id = {w: int(i) for i, w in load_pairs(os.path.join(conf, "word.dic"))}
        self.q2b = dict(load_pairs(os.path.join(conf, "q2b.dic")))
        self.id2tag = {int(i): t for i, t in load_pairs(os.path.join(conf, "tag.dic"))}
        self.oov_id = self.word2id["OOV"]

    def ids(self, text):
        out = []
        for ch in text:
            ch = self.q2b.get(ch, ch)
            out.append(self.word2id.get(ch, self.oov_id))
        return out

    def segment(self, text, tags):
        """Words from B/I/E/S tags: a word starts at B or S (or at the first char)."""
        words = []
        for ch, t in zip(text, tags):
            name = self.id2tag[int(t)]
            if not words or name.endswith("B") or name.endswith("S"):
                words.append(ch)
            else:
                words[-1] += ch
        return words


def read_lines(path):
    with open(path, "r", encoding="utf-8", newline="\n") as f:
        return [line.rstrip("\n") for line in f if line.rstrip("\n")]


def quiet_paddle_import(legacy_static=False):
    """Import paddle without its ccache warning and glog chatter.

    legacy_static: run paddle.static on the old ProgramDesc IR instead of PIR.
    Paddle 3's PIR loader cannot read a Fluid 1.x __model__; the flag must be
    set before the import. paddle.inference does not need it.
    """
    import warnings
    os.environ.setdefault("GLOG_minloglevel", "2")
    if legacy_static:
        os.environ["FLAGS_enable_pir_api"] = "0"
    warnings.filterwarnings("ignore", message=".*ccache.*")
    import paddle  # noqa: F401
    return paddle
