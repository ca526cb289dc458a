"""Golden outputs of real Paddle-Lite (paddlelite 2.12 from PyPI) for the .nb models.

Runs Lite's MobileConfig / create_paddle_predictor on each model file in
$GOHUB_SHARED/models with fixed inputs and writes inputs and outputs to testdata/lite/:

  lac_lite.json      LAC lexical analysis: per sentence the text, the word ids (word.dic after
                     q2b.dic, "OOV" for unknown characters) and Lite's tag ids
  pyramidbox.json    PyramidBox-Lite face detection on data/images/pld_face.jpg, preprocessed as
                     PaddleHub's pyramidbox_lite_mobile does (cv2.imread BGR, resize by shrink
                     0.5, (x - [104,117,123]) * 0.007843, CHW); the resized uint8 BGR image is
                     pyramidbox_input.u8 (HWC), the outputs are in the JSON
  mask_detector.json the mask classifier on a 128x128 crop around the first detected face,
                     preprocessed as PaddleHub's pyramidbox_lite_mobile_mask does (warpAffine
                     crop at scale 1.5, x / 256 - 0.5, CHW); the crop is mask_input.u8 (HWC BGR)
  lite_meta.json     versions, model checksums, which files Lite loaded and how

Paddle-Lite 2.12 refuses meta_version 0 (naive-buffer) files whose 16-byte opt-version field
differs from its own version ("the version of opt that transformed this model is not
consistent"); the check compares that string and nothing else. For those files the script
loads a temporary copy with only those 16 bytes set to the runtime's version, and records
this in lite_meta.json.

The PyPI wheel is an x86 build, and these files were optimized by opt for ARM: every op's
__@kernel_type_attr@__ ("<op>/def/<target>/<precision>/<layout>") names target 4 (kARM). Lite
on x86 cannot create ARM kernels; run as is, it crashes (lac_lite) or returns garbage (the
mask classifier's "softmax" gave [0, 1.875]). So the temporary copy also names X86 kernels
(target 2, kFloat, NCHW: "/def/2/1/1") for those ops. The graph and the weights are
untouched; only the choice of Lite backend changes, and lite_meta.json records it. Nothing is
written into the repository but testdata/lite/.

Usage: python lite_golden.py   (scripts/oracle/lite_run.sh, `make oracle-lite`)
"""

import hashlib
import json
import os
import re
import sys
import tempfile

import cv2
import numpy as np
from paddlelite.lite import MobileConfig, create_paddle_predictor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lac_common import REPO_ROOT, load_pairs, read_lines, shared_dir  # noqa: E402

OUT_DIR = os.path.join(REPO_ROOT, "testdata", "lite")
MODELS = os.path.join(shared_dir(), "models")
LAC_NB = os.path.join(MODELS, "lac_lite", "model.nb")
PYRAMIDBOX = {"v0": os.path.join(MODELS, "pyramidbox_lite", "nb_v0", "model.nb"),
              "v2": os.path.join(MODELS, "pyramidbox_lite", "nb_v2", "model.nb")}
MASK_NB = os.path.join(MODELS, "mask_detector", "nb_v2", "model.nb")
FACE_IMAGE = os.path.join(shared_dir(), "data", "images", "pld_face.jpg")
SHRINK = 0.5
LAC_SENTENCES = 40  # from testdata/lac/sentences.txt, after the hand-written extra ones

RUNTIME_VERSION = "v2.12"


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def header(path):
    with open(path, "rb") as f:
        head = f.read(18)
    meta = int.from_bytes(head[:2], "little")
    opt = head[2:18].split(b"\0", 1)[0].decode("ascii", "replace")
    return meta, opt


class Loaded:
    """A Lite predictor for a model file, and how it had to be loaded."""

    def __init__(self, path, tmp):
        self.meta_version, self.opt_version = header(path)
        data = bytearray(open(path, "rb").read())
        changes = []
        if self.meta_version == 0 and self.opt_version != RUNTIME_VERSION:
            data[2:18] = RUNTIME_VERSION.encode("ascii").ljust(16, b"\0")
            changes.append("16-byte opt-version field '%s' replaced by '%s' (Lite 2.12 rejects "
                           "v0 files of another version)" % (self.opt_version, RUNTIME_VERSION))
        arm = re.compile(rb"(?<=[a-z0-9_])/def/4/[0-9]/[0-9]")
        n = len(arm.findall(data))
        if n:
            data = arm.sub(b"/def/2/1/1", bytes(data))
            changes.append("%d ARM kernel choices ('<op>/def/4/p/l') replaced by X86 "
                           "('<op>/def/2/1/1'): the x86 wheel has no ARM kernels" % n)
        self.how = "temporary copy: " + "; ".join(changes) if changes else "as is"
        load_path = os.path.join(tmp, hashlib.sha1(path.encode()).hexdigest() + ".nb")
        with open(load_path, "wb") as f:
            f.write(bytes(data))
        config = MobileConfig()
        config.set_model_from_file(load_path)
        self.predictor = create_paddle_predictor(config)

    def record(self, path):
        return {"file": os.path.relpath(path, shared_dir()), "sha256": sha256(path),
                "meta_version": self.meta_version, "opt_version": self.opt_version,
                "loaded": self.how}


def floats(a):
    return [float(x) for x in np.asarray(a, dtype=np.float32).ravel()]


# ---- LAC ------------------------------------------------------------------------------------

def lac_vocab():
    d = os.path.dirname(LAC_NB)
    word2id = {w: int(i) for i, w in load_pairs(os.path.join(d, "word.dic"))}
    q2b = dict(load_pairs(os.path.join(d, "q2b.dic")))
    id2tag = {int(i): t for i, t in load_pairs(os.path.join(d, "tag.dic"))}
    return word2id, q2b, id2tag


def lac_ids(text, word2id, q2b):
    oov = word2id["OOV"]
    return [word2id.get(q2b.get(ch, ch), oov) for ch in text]


def run_lac(loaded):
    word2id, q2b, id2tag = lac_vocab()
    texts = read_lines(os.path.join(REPO_ROOT, "testdata", "lac", "extra_sentences.txt"))
    texts += read_lines(os.path.join(REPO_ROOT, "testdata", "lac", "sentences.txt"))[:LAC_SENTENCES]
    texts = ["我爱北京天安门今天天气很好"] + texts
    p = loaded.predictor
    cases = []
    for text in texts:
        ids = lac_ids(text, word2id, q2b)
        x = p.get_input(0)
        x.from_numpy(np.array(ids, dtype=np.int64).reshape(-1, 1))
        x.set_lod([[0, len(ids)]])
        p.run()
        tags = p.get_output(0).numpy().astype(np.int64).ravel().tolist()
        assert len(tags) == len(ids), (text, tags)
        cases.append({"text": text, "ids": ids, "tags": tags,
                      "tag_names": [id2tag[t] for t in tags]})
    return cases


# ---- PyramidBox-Lite and the mask classifier --------------------------------------------------

def pyramidbox_input():
    """PaddleHub pyramidbox_lite_mobile's preprocess: the resized uint8 BGR image and the tensor."""
    im = cv2.imread(FACE_IMAGE)
    h, w = int(im.shape[0] * SHRINK), int(im.shape[1] * SHRINK)
    # PaddleHub passes cv2.INTER_NEAREST as resize's third positional argument, which is the
    # output array, not the interpolation: the resize is cv2's default bilinear.
    resized = cv2.resize(im, (w, h))
    chw = resized.transpose(2, 0, 1).astype("float32")
    chw -= np.array([104., 117., 123.])[:, np.newaxis, np.newaxis].astype("float32")
    chw = chw * 0.007843
    return resized, chw[np.newaxis].astype(np.float32)


def run_outputs(p, x):
    t = p.get_input(0)
    t.from_numpy(x)
    p.run()
    names = p.get_output_names()
    outs = {}
    for i, name in enumerate(names):
        o = p.get_output(i)
        a = o.numpy()
        outs[name] = {"shape": list(a.shape), "dtype": str(a.dtype), "lod": o.lod(),
                      "values": a.ravel().tolist() if a.dtype != np.float32 else floats(a)}
    return names, outs


def face_crop(im, det, shape):
    """PaddleHub pyramidbox_lite_mobile_mask's crop of one face: 128x128 uint8 BGR."""
    h, w = shape
    left, top = w * det[2] / SHRINK, h * det[3] / SHRINK
    right, bottom = w * det[4] / SHRINK, h * det[5] / SHRINK
    left, right = int(max(min(left, im.shape[1]), 0)), int(max(min(right, im.shape[1]), 0))
    top, bottom = int(max(min(top, im.shape[0]), 0)), int(max(min(bottom, im.shape[0]), 0))
    pts = np.array([left, top, right, top, left, bottom, right, bottom]).reshape(4, 2)
    pts = pts.astype(np.float32)
    res = 128
    cmin, cmax = pts.min(0), pts.max(0)
    c = np.array([cmax[0] - (cmax[0] - cmin[0]) / 2, cmax[1] - (cmax[1] - cmin[1]) / 2])
    max_wh = max((cmax[0] - cmin[0]) / 2, (cmax[1] - cmin[1]) / 2)
    m = cv2.getRotationMatrix2D((c[0], c[1]), 0, res / (2 * max_wh * 1.5))
    m[0, 2] -= c[0] - res / 2.0
    m[1, 2] -= c[1] - res / 2.0
    return cv2.warpAffine(im, m, (res, res)), [left, top, right, bottom]


def mask_tensor(crop):
    x = crop / 256.0 - 0.5
    return x.astype(np.float32).transpose(2, 0, 1).reshape(1, 3, 128, 128)


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    meta = {"paddlelite": RUNTIME_VERSION, "python": sys.version.split()[0],
            "opencv": cv2.__version__, "numpy": np.__version__, "models": {}}
    with tempfile.TemporaryDirectory() as tmp:
        lac = Loaded(LAC_NB, tmp)
        meta["models"]["lac_lite"] = lac.record(LAC_NB)
        cases = run_lac(lac)
        with open(os.path.join(OUT_DIR, "lac_lite.json"), "w", encoding="utf-8") as f:
            json.dump({"model": "lac_lite/model.nb", "input": "words", "cases": cases}, f,
                      ensure_ascii=False, indent=0)

        resized, x = pyramidbox_input()
        resized.tofile(os.path.join(OUT_DIR, "pyramidbox_input.u8"))
        runs = {}
        for version, path in sorted(PYRAMIDBOX.items()):
            loaded = Loaded(path, tmp)
            meta["models"]["pyramidbox_" + version] = loaded.record(path)
            names, outs = run_outputs(loaded.predictor, x)
            runs[version] = {"output_names": names, "outputs": outs}
        dets = [n for n in runs["v2"]["output_names"] if n.endswith("scale_2")][0]
        same = runs["v0"]["outputs"] == runs["v2"]["outputs"]
        meta["pyramidbox_v0_equals_v2"] = same
        keep = {n: runs["v2"]["outputs"][n] for n in runs["v2"]["output_names"]
                if n.endswith("scale_1") or n.endswith("scale_2")}
        with open(os.path.join(OUT_DIR, "pyramidbox.json"), "w") as f:
            json.dump({"image": "data/images/pld_face.jpg", "shrink": SHRINK,
                       "input_u8": "pyramidbox_input.u8", "input_hwc": list(resized.shape),
                       "mean_bgr": [104.0, 117.0, 123.0], "scale": 0.007843,
                       "input_name": "@HUB_pyramidbox_lite_mobile@image",
                       "output_names": runs["v2"]["output_names"], "detections": dets,
                       "outputs": keep}, f, indent=0)

        det = np.array(runs["v2"]["outputs"][dets]["values"], dtype=np.float32).reshape(-1, 6)
        det = det[det[:, 1] > 0.6]
        assert len(det) > 0, "no face found in " + FACE_IMAGE
        im = cv2.imread(FACE_IMAGE)
        crop, box = face_crop(im, det[0], resized.shape[:2])
        crop.tofile(os.path.join(OUT_DIR, "mask_input.u8"))
        mask = Loaded(MASK_NB, tmp)
        meta["models"]["mask_detector"] = mask.record(MASK_NB)
        names, outs = run_outputs(mask.predictor, mask_tensor(crop))
        with open(os.path.join(OUT_DIR, "mask_detector.json"), "w") as f:
            json.dump({"face_box": box, "input_u8": "mask_input.u8", "input_hwc": [128, 128, 3],
                       "input_name": "@HUB_pyramidbox_lite_mobile_mask@image",
                       "labels": ["NO MASK", "MASK"], "output_names": names, "outputs": outs},
                      f, indent=0)
    with open(os.path.join(OUT_DIR, "lite_meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    print(json.dumps(meta, indent=1))


if __name__ == "__main__":
    main()
