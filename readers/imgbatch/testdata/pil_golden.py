"""Writes pil_golden.json next to this file: what PaddleHub 1.x's ImageClassificationReader
computes with real PIL and numpy, for readers/imgbatch's tests.

    build/oracle-venv-lac/bin/python readers/imgbatch/testdata/pil_golden.py

That venv has Pillow 10.4 and numpy 1.23 (Pillow before 13 resamples rows first, as the
Pillow releases PaddleHub ran on did; see scripts/oracle/image_golden_pil.py).
GOHUB_SHARED overrides the shared directory (default ../shared next to the repository).

The reader's preprocess is transcribed from paddlehub/reader/cv_reader.py@v1.8.0 and its
transforms are called as paddlehub/io/augmentation.py@v1.8.0 calls them:

  * "pipeline": an LCG picture (the generator of scripts/oracle/image_golden.py; the Go test
    writes the same pixels as a PNG) through the whole preprocess at 24x18 with ImageNet's
    mean and std and BGR order: every float32 of the tensor, little-endian hex.
  * "augment": the transforms on small LCG pictures, uint8 RGB as hex.
  * "catdog": a few photos of the shared catdog set at 224x224, ImageNet mean and std, RGB:
    the tensor's sha256, its per-channel means and every 8th pixel in both directions
    (JPEG decoders differ, so the Go test compares within a tolerance).
"""
import hashlib
import json
import os

import numpy as np
import PIL
from PIL import Image, ImageEnhance

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
SHARED = os.environ.get("GOHUB_SHARED", os.path.join(ROOT, "..", "shared"))

MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]
ORDERS = {"RGB": [0, 1, 2], "RBG": [0, 2, 1], "GBR": [1, 2, 0], "GRB": [1, 0, 2],
          "BGR": [2, 1, 0], "BRG": [2, 0, 1]}
CATDOG = ["cat/cat.1.jpg", "dog/dog.1.jpg", "cat/cat.2.jpg"]
STRIDE = 8


def lcg_image(width, height, seed):
    state = seed
    out = bytearray(3 * width * height)
    for i in range(len(out)):
        state = (state * 1103515245 + 12345) % (1 << 31)
        out[i] = (state >> 16) & 0xFF
    return np.frombuffer(bytes(out), np.uint8).reshape(height, width, 3)


def preprocess(image, width, height, mean, std, order):
    """cv_reader.py's preprocess without augmentation."""
    image = image.resize((width, height), Image.LANCZOS)
    image = image.convert('RGB')
    image = np.array(image).astype('float32')
    image = np.swapaxes(image, 1, 2)
    image = np.swapaxes(image, 1, 0)
    image /= 255
    image -= np.array(mean).reshape(3, 1, 1)
    image /= np.array(std).reshape(3, 1, 1)
    return np.ascontiguousarray(image[ORDERS[order], :, :])


def hexf32(a):
    return np.ascontiguousarray(a, dtype='<f4').tobytes().hex()


def augment_cases():
    cases = []
    ops = [
        ("rotate", 17), ("rotate", 90), ("rotate", 180), ("rotate", 233), ("rotate", 270),
        ("rotate", 359), ("rotate", 1), ("brightness", 0.37), ("brightness", 0.999),
        ("contrast", 0.61), ("contrast", 0.05), ("saturation", 0.25), ("saturation", 0.9),
        ("flip", 0),
    ]
    for (w, h, seed) in [(23, 17, 3), (16, 16, 5)]:
        src = Image.fromarray(lcg_image(w, h, seed))
        for op, arg in ops:
            if op == "rotate":
                out = src.rotate(arg)  # image_rotate(img, angle, expand=False)
            elif op == "brightness":
                out = ImageEnhance.Brightness(src).enhance(arg)
            elif op == "contrast":
                out = ImageEnhance.Contrast(src).enhance(arg)
            elif op == "saturation":
                out = ImageEnhance.Color(src).enhance(arg)
            else:
                out = src.transpose(Image.FLIP_LEFT_RIGHT)
            cases.append({"size": [w, h], "seed": seed, "op": op, "arg": arg,
                          "hex": np.asarray(out.convert('RGB')).tobytes().hex()})
    return cases


def main():
    golden = {"pillow": PIL.__version__, "numpy": np.__version__}
    pic = Image.fromarray(lcg_image(61, 47, 7))
    t = preprocess(pic, 24, 18, MEAN, STD, "BGR")
    golden["pipeline"] = {"src": [61, 47], "seed": 7, "dst": [24, 18], "mean": MEAN, "std": STD,
                          "order": "BGR", "f32": hexf32(t)}
    golden["augment"] = augment_cases()
    golden["catdog"] = []
    for name in CATDOG:
        path = os.path.join(SHARED, "data", "catdog", name)
        t = preprocess(Image.open(path), 224, 224, MEAN, STD, "RGB")
        golden["catdog"].append({
            "name": name, "size": [224, 224], "stride": STRIDE,
            "sha256": hashlib.sha256(np.ascontiguousarray(t, dtype='<f4').tobytes()).hexdigest(),
            "channel_mean": [float(t[c].astype(np.float64).mean()) for c in range(3)],
            "sampled_f32": hexf32(t[:, ::STRIDE, ::STRIDE]),
        })
    out = os.path.join(HERE, "pil_golden.json")
    with open(out, "w") as f:
        json.dump(golden, f, indent=1)
        f.write("\n")
    print("wrote", out)


if __name__ == "__main__":
    main()
