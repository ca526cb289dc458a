"""Golden faces and mask labels: PaddleHub's pyramidbox_lite_mobile and
pyramidbox_lite_mobile_mask pipelines on real Paddle-Lite (paddlelite 2.12 from PyPI).

The pre- and postprocessing below is a re-implementation, written from PaddleHub's module
sources (modules/image/face_detection/pyramidbox_lite_mobile{,_mask}: data_feed.py,
processor.py, module.py), of what those modules do around their predictors:

  face detector   cv2.imread (BGR); if shrink != 1, cv2.resize to (int(w*shrink),
                  int(h*shrink)) (cv2's default bilinear: PaddleHub passes INTER_NEAREST in
                  the dst position); float32 CHW, minus [104, 117, 123], times 0.007843; the
                  NMS output rows [label, score, x1, y1, x2, y2] with score > confs_threshold
                  (0.6) become boxes x*resized_w/shrink, y*resized_h/shrink, clipped to the
                  picture and truncated to int
  mask classifier each face box cropped by getRotationMatrix2D + warpAffine to 128x128 around
                  its centre, its longer half-side times 1.5 mapping to 64 pixels; x/256 - 0.5,
                  float32 CHW (BGR); one face per run (batch_size 1); argmax over
                  ['NO MASK', 'MASK'] and that probability as the confidence

The models run on Lite as in lite_golden.py (the same temporary-copy rewrite of ARM kernel
choices to X86, recorded in the output). Writes testdata/faces/faces.json; nothing else.

Usage: python face_golden.py   (scripts/oracle/face_run.sh)
"""

import hashlib
import json
import math
import os
import sys
import tempfile

import cv2
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lac_common import REPO_ROOT, shared_dir  # noqa: E402
from lite_golden import Loaded, RUNTIME_VERSION, sha256  # noqa: E402

OUT = os.path.join(REPO_ROOT, "testdata", "faces", "faces.json")
MODELS = os.path.join(shared_dir(), "models")
FACE_NB = os.path.join(MODELS, "pyramidbox_lite", "nb_v2", "model.nb")
MASK_NB = os.path.join(MODELS, "mask_detector", "nb_v2", "model.nb")
# pld_face.jpg is the picture; the PNGs decode to the same pixels in Go and OpenCV,
# so their whole pipeline can be compared exactly.
IMAGES = ["pld_face.jpg", "skimage_astronaut.png", "pld_human.jpg", "skimage_coffee.png"]
# None of the shared pictures shows a masked face: the astronaut again, with a plain
# rectangle painted over her nose and mouth (columns x0..x1-1, rows y0..y1-1, BGR colour),
# which the classifier calls MASK. The Go test paints the same pixels.
PAINTED = [("skimage_astronaut.png", {"rect": [178, 120, 270, 185], "bgr": [235, 225, 215]})]
SHRINK = 0.5
CONFS_THRESHOLD = 0.6
MASK_LABELS = ["NO MASK", "MASK"]


def detect_input(org_im, shrink):
    im = org_im.copy()
    h, w = im.shape[:2]
    if shrink != 1:
        h, w = int(h * shrink), int(w * shrink)
        im = cv2.resize(im, (w, h))
    chw = np.swapaxes(np.swapaxes(im, 1, 2), 1, 0).astype("float32")
    chw -= np.array([104., 117., 123.])[:, np.newaxis, np.newaxis].astype("float32")
    chw = chw * 0.007843
    return chw, h, w


def run(pred, x):
    t = pred.get_input(0)
    t.from_numpy(np.ascontiguousarray(x))
    pred.run()
    outs = [pred.get_output(i).numpy() for i in range(len(pred.get_output_names()))]
    return outs


def detections(outs):
    """The NMS output: the first [N, 6] output."""
    for a in outs:
        if a.ndim == 2 and a.shape[1] == 6:
            return a
    raise SystemExit("the face detector has no [N, 6] output: %s" % [a.shape for a in outs])


def faces_of(pred, org_im, shrink, thresh):
    x, h, w = detect_input(org_im, shrink)
    rows = detections(run(pred, x[np.newaxis]))
    H, W = org_im.shape[:2]
    faces = []
    for r in rows:
        if r[1] > thresh:
            box = [w * r[2] / shrink, h * r[3] / shrink, w * r[4] / shrink, h * r[5] / shrink]
            lim = [W, H, W, H]
            box = [int(max(min(v, m), 0.)) for v, m in zip(box, lim)]
            faces.append({"confidence": float(r[1]), "left": box[0], "top": box[1],
                          "right": box[2], "bottom": box[3]})
    return faces


def crop(org_im, face, scale=1.5, res=128):
    pts = np.array([face["left"], face["top"], face["right"], face["top"], face["left"],
                    face["bottom"], face["right"], face["bottom"]]).reshape(4, 2).astype(np.float32)
    alpha = math.atan2(pts[1, 1] - pts[0, 1], pts[1, 0] - pts[0, 0]) * 180 / math.pi
    lo, hi = np.min(pts, 0), np.max(pts, 0)
    c = np.array([hi[0] - (hi[0] - lo[0]) / 2, hi[1] - (hi[1] - lo[1]) / 2])
    max_wh = max((hi[0] - lo[0]) / 2, (hi[1] - lo[1]) / 2)
    m = cv2.getRotationMatrix2D((c[0], c[1]), alpha, res / (2 * max_wh * scale))
    m[0, 2] = m[0, 2] - (c[0] - res / 2.0)
    m[1, 2] = m[1, 2] - (c[1] - res / 2.0)
    return cv2.warpAffine(org_im, m, (res, res))


def mask_input(im):
    x = im / 256.0
    x = x - np.array([0.5, 0.5, 0.5])
    return x.astype(np.float32).transpose([2, 0, 1]).reshape(-1, 3, 128, 128)


def main():
    cases = []
    with tempfile.TemporaryDirectory() as tmp:
        mask = Loaded(MASK_NB, tmp)
        for name, paint in [(n, None) for n in IMAGES] + PAINTED:
            # Lite's x86 build corrupts its heap when a predictor's input changes shape
            # between runs, so each picture gets a fresh face detector.
            face = Loaded(FACE_NB, tmp)
            path = os.path.join(shared_dir(), "data", "images", name)
            org_im = cv2.imread(path)
            if paint:
                x0, y0, x1, y1 = paint["rect"]
                org_im[y0:y1, x0:x1] = paint["bgr"]
            faces = faces_of(face.predictor, org_im, SHRINK, CONFS_THRESHOLD)
            masked = []
            for f in faces:
                cr = crop(org_im, f)
                probs = run(mask.predictor, mask_input(cr))[0].reshape(-1)
                k = int(np.argmax(probs))
                masked.append({"label": MASK_LABELS[k], "confidence": float(probs[k]),
                               "probs": [float(p) for p in probs],
                               "left": f["left"], "top": f["top"], "right": f["right"],
                               "bottom": f["bottom"],
                               "crop_sha256": hashlib.sha256(cr.tobytes()).hexdigest()})
            cases.append({"image": "data/images/" + name, "paint": paint,
                          "width": int(org_im.shape[1]), "height": int(org_im.shape[0]),
                          "faces": faces, "mask": masked})
            print("%s: %d faces, %s" % (name, len(faces), [m["label"] for m in masked]))
        meta = {"paddlelite": RUNTIME_VERSION, "python": sys.version.split()[0],
                "opencv": cv2.__version__, "numpy": np.__version__,
                "face_model": face.record(FACE_NB), "mask_model": mask.record(MASK_NB)}
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump({"shrink": SHRINK, "confs_threshold": CONFS_THRESHOLD,
                   "mask_labels": MASK_LABELS, "meta": meta, "cases": cases}, f, indent=1)


if __name__ == "__main__":
    main()
