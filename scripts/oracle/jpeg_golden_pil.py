"""Writes readers/picture/testdata/jpeg_pil_golden.json: samples of the RGB pixels Pillow
decodes from shared JPEG photos, for readers/picture's decode test to compare Go's decoder
with.

PaddleHub 1.x's classifiers (shufflenet_v2_imagenet among them) read a photo with
Image.open(path).convert("RGB"); its 2.x pipelines' cv2.imread is libjpeg-turbo too. Go's
image/jpeg decodes the same file a few levels apart (another IDCT, and chroma upsampled by
replication where libjpeg-turbo interpolates), so the test bounds the difference rather
than asking for equality. The whole photos are not stored (they are not committed
anywhere); each sample is a grid over the whole photo (every step-th pixel of every
step-th row, from the top-left corner) or a small crop, as hex of the RGB bytes:

  - pld_tabby_cat.jpg (baseline, 4:2:0; byte-identical to the egypt_cat.jpg that the
    ShuffleNetV2 goldens of testdata/models start from): a grid with step 20, and the 16x16
    crop at (232, 56) round the sharp chroma edge where Go's decoder is furthest from
    libjpeg-turbo on this photo (15 levels at (240, 63));
  - hub_serving_img_dog.jpg (progressive): a grid with step 32, and the 16x16 crop at
    (120, 88) (Go's largest difference on that photo, 7 levels, is at (127, 95)).

    build/oracle-venv/bin/python scripts/oracle/jpeg_golden_pil.py

The Pillow and libjpeg-turbo versions used are recorded in the file. GOHUB_SHARED overrides
the shared directory (default ../shared next to the repository).
"""
import json
import os

import numpy as np
import PIL
from PIL import Image, features

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "readers", "picture", "testdata", "jpeg_pil_golden.json")
SHARED = os.environ.get("GOHUB_SHARED", os.path.join(ROOT, "..", "shared"))

# (photo, [(sample name, x, y, width, height, step)]): width and height count sampled pixels.
PHOTOS = [
    ("pld_tabby_cat.jpg", [("grid", 0, 0, 25, 24, 20), ("edge", 232, 56, 16, 16, 1)]),
    ("hub_serving_img_dog.jpg", [("grid", 0, 0, 20, 15, 32), ("edge", 120, 88, 16, 16, 1)]),
]


def main():
    golden = {"pillow": PIL.__version__, "libjpeg_turbo": features.version("libjpeg_turbo"),
              "photos": []}
    for name, samples in PHOTOS:
        with Image.open(os.path.join(SHARED, "data", "images", name)) as im:
            if im.format != "JPEG":
                raise SystemExit("%s is %s, not JPEG" % (name, im.format))
            rgb = np.asarray(im.convert("RGB"))
        h, w = rgb.shape[:2]
        entry = {"name": name, "size": [w, h], "samples": []}
        for sname, x, y, sw, sh, step in samples:
            if x + (sw - 1) * step >= w or y + (sh - 1) * step >= h:
                raise SystemExit("%s: sample %s leaves the %dx%d photo" % (name, sname, w, h))
            pix = np.ascontiguousarray(rgb[y:y + sh * step:step, x:x + sw * step:step])
            assert pix.shape == (sh, sw, 3)
            entry["samples"].append({"name": sname, "x": x, "y": y, "width": sw, "height": sh,
                                     "step": step, "hex": pix.tobytes().hex()})
        golden["photos"].append(entry)
    with open(OUT, "w") as f:
        json.dump(golden, f, indent=1)
        f.write("\n")
    print("wrote", OUT)


if __name__ == "__main__":
    main()
