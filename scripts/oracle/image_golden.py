"""Writes readers/picture/testdata/resize_golden.json: what OpenCV's cv2.resize(INTER_LINEAR)
gives on 8-bit RGB images, for readers/picture's resize tests.

Synthetic inputs come from a small LCG that the Go test reproduces; outputs are stored as
hex when small and as sha256 otherwise. For the PNGs among the shared images it also records
the sha256 of PaddleHub's classifier geometry (short side 256 with Python's round(), centre
crop 224 rounded by PIL) done with cv2.imread and cv2.resize.

    python3 -m venv build/opencv-venv
    build/opencv-venv/bin/pip install opencv-python-headless numpy
    build/opencv-venv/bin/python scripts/oracle/image_golden.py

GOHUB_SHARED overrides the shared directory (default ../shared next to the repository).
"""
import hashlib
import json
import os

import cv2
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "readers", "image", "testdata", "resize_golden.json")
SHARED = os.environ.get("GOHUB_SHARED", os.path.join(ROOT, "..", "shared"))

# (source width, source height, destination width, destination height)
CASES = [
    (53, 37, 29, 20), (10, 10, 17, 23), (5, 7, 11, 13), (64, 64, 32, 32),
    (200, 3, 100, 9), (1, 1, 4, 4), (80, 100, 60, 56), (7, 1, 3, 5), (3, 200, 9, 100),
    (451, 300, 385, 256), (640, 480, 341, 256), (100, 80, 224, 224),
]
HEX_LIMIT = 2000


def lcg_image(width, height, seed):
    """Same generator as lcgImage in readers/picture/resize_test.go."""
    state = seed
    out = bytearray(3 * width * height)
    for i in range(len(out)):
        state = (state * 1103515245 + 12345) % (1 << 31)
        out[i] = (state >> 16) & 0xFF
    return np.frombuffer(bytes(out), np.uint8).reshape(height, width, 3)


def entry(pix):
    e = {"sha256": hashlib.sha256(pix.tobytes()).hexdigest()}
    if pix.size <= HEX_LIMIT:
        e["hex"] = pix.tobytes().hex()
    return e


def classifier_geometry(rgb):
    h, w = rgb.shape[:2]
    percent = 256.0 / min(w, h)
    rw, rh = int(round(w * percent)), int(round(h * percent))
    r = cv2.resize(rgb, (rw, rh), interpolation=cv2.INTER_LINEAR)
    left, top = int(round((rw - 224) / 2)), int(round((rh - 224) / 2))
    return r[top:top + 224, left:left + 224]


def main():
    golden = {"opencv": cv2.__version__, "cases": [], "images": []}
    for seed, (sw, sh, dw, dh) in enumerate(CASES, start=1):
        src = lcg_image(sw, sh, seed)
        dst = np.ascontiguousarray(cv2.resize(src, (dw, dh), interpolation=cv2.INTER_LINEAR))
        golden["cases"].append(dict(seed=seed, src=[sw, sh], dst=[dw, dh], **entry(dst)))
    images = os.path.join(SHARED, "data", "images")
    for name in sorted(os.listdir(images)):
        path = os.path.join(images, name)
        with open(path, "rb") as f:
            if f.read(8) != b"\x89PNG\r\n\x1a\n":
                continue
        rgb = cv2.cvtColor(cv2.imread(path), cv2.COLOR_BGR2RGB)
        crop = np.ascontiguousarray(classifier_geometry(rgb))
        golden["images"].append({"name": name, "sha256": hashlib.sha256(crop.tobytes()).hexdigest()})
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(golden, f, indent=1)
        f.write("\n")
    print("wrote", OUT)


if __name__ == "__main__":
    main()
