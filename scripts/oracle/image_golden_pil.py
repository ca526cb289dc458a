"""Writes readers/picture/testdata/lanczos_golden.json: what Pillow's Image.resize(size,
Image.LANCZOS) gives on 8-bit RGB images, for readers/picture's ResizeLanczos tests.

PaddleHub's ssd_mobilenet_v1_pascal (and its 1.x classifiers) resize with PIL, interp=1
(LANCZOS). Synthetic inputs come from the LCG of image_golden.py (the Go tests reproduce it);
outputs are stored as hex when small and as sha256 otherwise. For the PNGs among the shared
images (lossless, so Go's decoder and OpenCV's agree) it records the sha256 of PaddleHub's SSD
geometry: cv2.imread, BGR to RGB, PIL resize to 300x300 ignoring the aspect, LANCZOS.

    python3 -m venv build/pil12-venv
    build/pil12-venv/bin/pip install pillow==12.3.0 numpy opencv-python-headless
    build/pil12-venv/bin/python scripts/oracle/image_golden_pil.py

Why Pillow 12.3.0: every Pillow up to 12.x resamples rows first, then columns - the order of
the Pillow releases PaddleHub ran on (6.x-8.x in 2020), which readers/picture reproduces. Pillow
13.0 (python-pillow/Pillow#9549) runs the vertical pass first when the height shrinks much more
than the width, which moves some samples by up to ~30 levels on noise (a few on photos); its
outputs are not PaddleHub's, so the golden bytes come from 12.3.0 and the script refuses 13+.
GOHUB_SHARED overrides the shared directory (default ../shared next to the repository).
"""
import hashlib
import json
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import cv2
import numpy as np
import PIL
from PIL import Image

from image_golden import HEX_LIMIT, ROOT, SHARED, lcg_image  # noqa: E402

OUT = os.path.join(ROOT, "readers", "image", "testdata", "lanczos_golden.json")

# (source width, source height, destination width, destination height): shrinking by whole
# and fractional factors (the support widens), enlarging, one axis only, single pixels, and
# PaddleHub's 300x300 from typical photo sizes.
CASES = [
    (53, 37, 29, 20), (10, 10, 17, 23), (5, 7, 11, 13), (64, 64, 32, 32),
    (200, 3, 100, 9), (1, 1, 4, 4), (80, 100, 60, 56), (7, 1, 3, 5), (3, 200, 9, 100),
    (40, 30, 40, 17), (40, 30, 13, 30), (9, 9, 1, 1), (640, 480, 300, 300),
    (451, 300, 300, 300), (120, 90, 300, 300), (1000, 20, 7, 20),
]


def entry(pix):
    e = {"sha256": hashlib.sha256(pix.tobytes()).hexdigest()}
    if pix.size <= HEX_LIMIT:
        e["hex"] = pix.tobytes().hex()
    return e


def lanczos(rgb, w, h):
    return np.asarray(Image.fromarray(rgb).resize((w, h), Image.LANCZOS))


def main():
    if int(PIL.__version__.split(".")[0]) >= 13:
        raise SystemExit("Pillow %s may resample columns first; use Pillow 12.x (see the docstring)"
                         % PIL.__version__)
    golden = {"pillow": PIL.__version__, "cases": [], "images": []}
    for seed, (sw, sh, dw, dh) in enumerate(CASES, start=1):
        out = np.ascontiguousarray(lanczos(lcg_image(sw, sh, seed), dw, dh))
        golden["cases"].append(dict(seed=seed, src=[sw, sh], dst=[dw, dh], **entry(out)))
    images = os.path.join(SHARED, "data", "images")
    for name in sorted(os.listdir(images)):
        path = os.path.join(images, name)
        with open(path, "rb") as f:
            if f.read(8) != b"\x89PNG\r\n\x1a\n":
                continue
        # PaddleHub's data_feed.py: cv2.imread(path).astype('float32'), BGR2RGB, then
        # astype('uint8') and Image.fromarray before the resize: the same bytes as here.
        rgb = cv2.cvtColor(cv2.imread(path), cv2.COLOR_BGR2RGB)
        out = np.ascontiguousarray(lanczos(rgb, 300, 300))
        golden["images"].append({"name": name, "size": [300, 300],
                                 "sha256": hashlib.sha256(out.tobytes()).hexdigest()})
    with open(OUT, "w") as f:
        json.dump(golden, f, indent=1)
        f.write("\n")
    print("wrote", OUT)


if __name__ == "__main__":
    main()
