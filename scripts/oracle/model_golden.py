#!/usr/bin/env python3
"""Whole-model golden cases from real PaddlePaddle: testdata/models/<case>/.

Run inside the oracle venv (scripts/oracle/models_run.sh does). Each case names a real model
that is read in place - under $GOHUB_SHARED (default ../shared) or, for models that Paddle
writes here (resnet50_seeded.py, ssd_seeded.py), under $GOHUB_BUILD_MODELS (default
build/models) - and an
input. The model runs twice in real Paddle: on the legacy static executor (the golden output)
and on paddle.inference with IR optimisation and oneDNN off; the two must agree within the
case's tolerance, otherwise Paddle's own CPU paths disagree and the tolerance would not mean
anything.

Per case, in testdata/models/<case>/ (the format of testdata/ops plus the model's location):
  input_<i>.bin, output_<i>.bin, inter_<i>.bin   raw little-endian tensors, row-major
  case.json   model {root: shared|build, model_dir | prog_file [+ params_file]}, inputs,
              outputs (the fetch targets, in order), intermediates (other variables of the
              run that our predictor must also reproduce: they localise a mismatch; each with
              its own atol, see inter_atol), tolerance,
              optional expect_top (a class that must rank in the top k), note

Inputs: seeded random normal values, except the image cases (ShuffleNetV2, the seeded SSD),
whose input is the tensor gohub's own reader makes from the photo (go run
./scripts/oracle/imageprep; case.json's "image" names the photo, "image_recipe" imageprep's
recipe, and imageprep's Go test checks the committed tensor against the reader):
a numpy re-implementation would not decode JPEG bit-identically to Go.

  model_golden.py               regenerate every case
  model_golden.py --only a,b    regenerate just the named cases
  model_golden.py --list        print the case names
  model_golden.py --dump CASE   print every op output's shape and range (debugging)
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import warnings
import zlib

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import lac_common  # noqa: E402
import op_golden  # noqa: E402  (reuses its raw-tensor writer and case.json entries)

paddle = lac_common.quiet_paddle_import(legacy_static=True)
import numpy as np  # noqa: E402

warnings.filterwarnings("ignore", message=".*old way to load inference model.*")

OUT_DIR = os.path.join(lac_common.REPO_ROOT, "testdata", "models")
MAX_FILE_BYTES = 1 << 20
IMAGENET_CATS = [281, 282, 283, 284, 285]  # tabby, tiger cat, Persian, Siamese, Egyptian cat


def build_models_dir():
    return os.environ.get("GOHUB_BUILD_MODELS") or os.path.join(lac_common.REPO_ROOT, "build",
                                                                "models")


class Case:
    def __init__(self, name, model, feed, make_input, intermediates=(), rtol=1e-4, atol=1e-5,
                 expect_top=None, image=None, image_recipe=None, max_file_bytes=MAX_FILE_BYTES,
                 note=""):
        self.name = name
        self.model = model            # {"root", "model_dir"} or {"root", "prog_file"[, "params_file"]}
        self.feed = feed              # the model's one input
        self.make_input = make_input  # rng -> numpy array
        self.intermediates = list(intermediates)
        self.rtol, self.atol = rtol, atol
        self.expect_top = expect_top
        self.image = image  # the photo (relative to GOHUB_SHARED) the input was made from
        self.image_recipe = image_recipe  # imageprep's recipe for it (None: classifier)
        self.max_file_bytes = max_file_bytes
        self.note = note

    def seed(self):
        return zlib.crc32(self.name.encode("utf-8"))

    def path(self, key):
        base = lac_common.shared_dir() if self.model["root"] == "shared" else build_models_dir()
        return os.path.join(base, self.model[key]) if key in self.model else None


def normal(shape):
    return lambda rng: rng.standard_normal(shape).astype(np.float32)


def photo(relpath, recipe="classifier", size=224):
    """The [1,3,size,size] tensor gohub's reader makes from $GOHUB_SHARED/relpath with one of
    imageprep's recipes (classifier, resnet_v2_50_imagenet: 224; ssd: 300)."""

    def make(_rng):
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "input.bin")
            subprocess.run(["go", "run", "./scripts/oracle/imageprep", "-recipe", recipe,
                            os.path.join(lac_common.shared_dir(), relpath), out],
                           cwd=lac_common.REPO_ROOT, check=True)
            return np.fromfile(out, dtype="<f4").reshape(1, 3, size, size)

    return make


def shufflenet_photo(name, relpath, same_as=()):
    """same_as: other photos byte-identical to relpath, which the case covers too."""
    note = ("real weights; input: %s through readers/picture (short side 256, centre crop 224, "
            "RGB, ImageNet mean/std); a cat class (281-285) must rank in the top 3" % relpath)
    if same_as:
        note += "; also covers %s (byte-identical)" % ", ".join(same_as)
    make = photo(relpath)

    def make_checked(rng):
        with open(os.path.join(lac_common.shared_dir(), relpath), "rb") as f:
            want = f.read()
        for other in same_as:
            with open(os.path.join(lac_common.shared_dir(), other), "rb") as f:
                if f.read() != want:
                    raise SystemExit("%s is no longer identical to %s: give it its own case"
                                     % (other, relpath))
        return make(rng)

    return Case(name, {"root": "shared", "model_dir": "models/shufflenet_v2_imagenet"}, "image",
                make_checked, intermediates=["fc_0.tmp_1"],
                expect_top={"output": 0, "k": 3, "classes": IMAGENET_CATS}, image=relpath,
                note=note)


CASES = [
    shufflenet_photo("shufflenet_v2_imagenet_egypt_cat",
                     "models/shufflenet_v2_imagenet/demo_images/egypt_cat.jpg",
                     same_as=["data/images/pld_tabby_cat.jpg"]),
    shufflenet_photo("shufflenet_v2_imagenet_serving_cat", "data/images/hub_serving_img_cat.jpg"),
    Case("gesture_rec", {"root": "shared", "prog_file": "models/gesture_rec/__model__",
                         "params_file": "models/gesture_rec/params"}, "img",
         normal((1, 3, 224, 224)), note="combined params file; relu6, depthwise_conv2d"),
    Case("ppocrv3_det", {"root": "shared", "prog_file": "models/ppocrv3_det/model.pdmodel",
                         "params_file": "models/ppocrv3_det/model.pdiparams"}, "x",
         normal((1, 3, 96, 128)), intermediates=["elementwise_add_11.tmp_0"],
         note="96x128 input (multiples of 32, not square) keeps the [1,1,96,128] map small; on "
              "noise the sigmoid map is ~0 everywhere, so its input (the logits) is compared too"),
    Case("cifar_resnet", {"root": "shared", "model_dir": "models/cifar_resnet"}, "pixel",
         normal((2, 3, 32, 32)), intermediates=["fc_0.tmp_1"], note="batch 2"),
    Case("simple_conv_bn_relu", {"root": "shared",
                                 "prog_file": "models/simple_conv_bn_relu/model.pdmodel",
                                 "params_file": "models/simple_conv_bn_relu/model.pdiparams"},
         "image", normal((1, 3, 96, 96)), note="96x96 input keeps the [1,32,48,48] output small"),
    Case("ssd_mobilenet_v1_pascal_seeded",
         {"root": "build", "model_dir": "ssd_mobilenet_v1_pascal_seeded"}, "image",
         photo("data/images/pld_dog.jpg", recipe="ssd", size=300),
         intermediates=["box_coder.tmp_0", "transpose.tmp_12"], atol=1e-3,
         image="data/images/pld_dog.jpg", image_recipe="ssd",
         # [1,3,300,300] float32 is 1,080,000 bytes, just over the 1 MiB rule.
         max_file_bytes=1100000,
         note="MobileNetV1 + PaddleHub's multi_box_head/detection_output with seeded weights "
              "(scripts/oracle/ssd_seeded.py writes it under build/models); input: pld_dog.jpg "
              "through readers/picture as PaddleHub's SSD (300x300 LANCZOS, BGR, "
              "(x-127.5)/127.502231); output: multiclass_nms rows [label, score, x1, y1, x2, y2] "
              "(same count and labels, scores and boxes within 1e-3); intermediates: decoded "
              "boxes and class probabilities of all 1917 priors"),
    Case("resnet50_seeded", {"root": "build", "prog_file": "resnet50_seeded/model.pdmodel",
                             "params_file": "resnet50_seeded/model.pdiparams"}, "image",
         normal((1, 3, 224, 224)), intermediates=["fc_0.tmp_1"],
         note="graph and names of resnet50_topology with seeded weights that "
              "scripts/oracle/resnet50_seeded.py has Paddle write under build/models"),
    Case("resnet50_seeded_tabby", {"root": "build", "prog_file": "resnet50_seeded/model.pdmodel",
                                   "params_file": "resnet50_seeded/model.pdiparams"}, "image",
         photo("data/images/pld_tabby_cat.jpg", recipe="resnet_v2_50_imagenet"),
         intermediates=["fc_0.tmp_1"], image="data/images/pld_tabby_cat.jpg",
         image_recipe="resnet_v2_50_imagenet",
         note="the seeded ResNet-50 on pld_tabby_cat.jpg through readers/picture with "
              "resnet_v2_50_imagenet's recipe (short side 256 LANCZOS, centre crop 224, RGB, "
              "ImageNet mean/std); hub's Resnet tests install PaddleHub 1.x/2.x archives of "
              "resnet_v2_50_imagenet around this model and check Classify's top 5 against "
              "output_0 (Paddle's softmax)"),
]


def load_static(c, exe):
    if "model_dir" in c.model:
        return paddle.static.load_inference_model(c.path("model_dir"), exe,
                                                  model_filename="__model__")
    kw = {"model_filename": os.path.basename(c.path("prog_file"))}
    if "params_file" in c.model:
        kw["params_filename"] = os.path.basename(c.path("params_file"))
    return paddle.static.load_inference_model(os.path.dirname(c.path("prog_file")), exe, **kw)


def run_inference(c, x):
    """paddle.inference with IR optimisation and oneDNN off: Paddle's plain CPU kernels."""
    if "model_dir" in c.model:
        config = paddle.inference.Config(c.path("model_dir"))
    else:
        config = paddle.inference.Config(c.path("prog_file"), c.path("params_file") or "")
    config.disable_gpu()
    config.switch_ir_optim(False)
    config.disable_mkldnn()
    config.set_cpu_math_library_num_threads(1)
    config.disable_glog_info()
    predictor = paddle.inference.create_predictor(config)
    handle = predictor.get_input_handle(c.feed)
    handle.reshape(list(x.shape))
    handle.copy_from_cpu(x)
    predictor.run()
    return [predictor.get_output_handle(n).copy_to_cpu() for n in predictor.get_output_names()]


def max_rel_excess(got, want, rtol, atol):
    """max |got - want| / (atol + rtol |want|): at most 1 within tolerance."""
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    return float(np.max(np.abs(got - want) / (atol + rtol * np.abs(want))))


def inter_atol(value):
    """The absolute tolerance of an intermediate: 1e-5 of its largest magnitude.

    Intermediates are pre-activation values (logits) that cross zero, where an elementwise
    relative bound means nothing: float32 sums in another order (oneDNN's blocking, batch_norm
    folded into conv by our passes) move them by ~1e-6 of the tensor's scale, and Paddle's own
    IR-optimised path moves its final outputs as much. Outputs keep the case's plain tolerance.
    """
    return float("%.3g" % (1e-5 * float(np.max(np.abs(value)))))


def build_case(c, out_dir):
    for key in ("model_dir", "prog_file"):
        if c.path(key) and not os.path.exists(c.path(key)):
            hint = (" (scripts/oracle/models_run.sh has resnet50_seeded.py and ssd_seeded.py "
                    "write it)" if c.model["root"] == "build" else "")
            raise SystemExit("%s: no model at %s%s" % (c.name, c.path(key), hint))
    x = np.ascontiguousarray(c.make_input(np.random.RandomState(c.seed())))

    exe = paddle.static.Executor(paddle.CPUPlace())
    with paddle.static.scope_guard(paddle.static.Scope()):
        prog, feed_names, fetch_vars = load_static(c, exe)
        if feed_names != [c.feed]:
            raise SystemExit("%s: model feeds %r, not [%r]" % (c.name, feed_names, c.feed))
        fetch_names = [v.name for v in fetch_vars]
        # Tensors with LoD (multiclass_nms's rows per image) cannot come back as numpy arrays.
        results = exe.run(prog, feed={c.feed: x}, fetch_list=fetch_names + c.intermediates,
                          return_numpy=False)
    lods = [t.lod() for t in results]
    results = [np.array(t) for t in results]
    outputs, inters = results[:len(fetch_names)], results[len(fetch_names):]

    agree = 0.0
    for name, s, i in zip(fetch_names, outputs, run_inference(c, x)):
        if s.shape != i.shape:
            raise SystemExit("%s: %s is %r on the executor, %r on paddle.inference"
                             % (c.name, name, s.shape, i.shape))
        agree = max(agree, max_rel_excess(i, s, c.rtol, c.atol))
    if agree > 1:
        raise SystemExit("%s: the static executor and paddle.inference differ by %.3g times the "
                         "tolerance" % (c.name, agree))
    if c.expect_top:
        probs = outputs[c.expect_top["output"]].reshape(-1)
        top = [int(i) for i in np.argsort(-probs)[:c.expect_top["k"]]]
        if not set(top) & set(c.expect_top["classes"]):
            raise SystemExit("%s: Paddle's top %d are %r, none of %r"
                             % (c.name, c.expect_top["k"], top, c.expect_top["classes"]))
        print("model_golden: %s top %d: %r" % (c.name, len(top), top), file=sys.stderr)

    def entries(prefix, names, values):
        out = []
        for i, (name, value) in enumerate(zip(names, values)):
            fname = "%s_%d.bin" % (prefix, i)
            value = np.asarray(value)
            op_golden.write_raw(os.path.join(out_dir, fname), value)
            out.append(op_golden.tensor_entry(name, value, fname))
        return out

    meta = {
        "name": c.name,
        "source": "scripts/oracle/model_golden.py",
        "paddle": paddle.__version__,
        "model": c.model,
        "ops": sorted({o.type for o in prog.global_block().ops} - {"feed", "fetch"}),
        "inputs": entries("input", [c.feed], [x]),
        "outputs": [dict(e, lod=lod) if lod else e
                    for e, lod in zip(entries("output", fetch_names, outputs), lods)],
        "intermediates": [dict(e, atol=inter_atol(v))
                          for e, v in zip(entries("inter", c.intermediates, inters), inters)],
        "tolerance": {"rtol": c.rtol, "atol": c.atol},
        # How close Paddle's two CPU paths came, as a fraction of the tolerance.
        "executor_vs_inference": round(agree, 4),
        "note": c.note,
    }
    if c.expect_top:
        meta["expect_top"] = c.expect_top
    if c.image:
        # scripts/oracle/imageprep's test checks that input_0.bin is still what our reader makes.
        meta["image"] = c.image
        if c.image_recipe:
            meta["image_recipe"] = c.image_recipe
    with open(os.path.join(out_dir, "case.json"), "w", encoding="utf-8") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")


def dump(c):
    """Prints the shape and largest magnitude of every op output of c's static run."""
    x = np.ascontiguousarray(c.make_input(np.random.RandomState(c.seed())))
    exe = paddle.static.Executor(paddle.CPUPlace())
    with paddle.static.scope_guard(paddle.static.Scope()):
        prog, _, fetch_vars = load_static(c, exe)
        names = []
        for o in prog.global_block().ops:
            if o.type not in ("feed", "fetch"):
                names += [n for n in o.output_arg_names if not n.endswith("XShape")]
        values = exe.run(prog, feed={c.feed: x}, fetch_list=names, return_numpy=True)
    for n, v in zip(names, values):
        if v is None:  # outputs nothing reads at inference (batch_norm's ReserveSpace)
            continue
        v = np.asarray(v)
        print("%-40s %-18s max|x| %.4g" % (n, v.shape, float(np.max(np.abs(v))) if v.size else 0))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", help="comma-separated case names to regenerate")
    ap.add_argument("--list", action="store_true", help="print the case names and exit")
    ap.add_argument("--dump", metavar="CASE", help="print every op output's shape and range")
    args = ap.parse_args(argv)
    paddle.enable_static()
    by_name = {c.name: c for c in CASES}
    if args.list:
        for c in CASES:
            print("%-36s %s" % (c.name, c.model.get("model_dir") or c.model["prog_file"]))
        return
    if args.dump:
        return dump(by_name[args.dump])
    cases = CASES
    if args.only:
        unknown = set(args.only.split(",")) - set(by_name)
        if unknown:
            raise SystemExit("unknown cases: %s" % ", ".join(sorted(unknown)))
        cases = [by_name[n] for n in args.only.split(",")]

    os.makedirs(OUT_DIR, exist_ok=True)
    for c in cases:
        # Built in a scratch dir and swapped in whole: a failed case leaves the old files intact.
        tmp = tempfile.mkdtemp(prefix=".tmp_" + c.name + "_", dir=OUT_DIR)
        os.chmod(tmp, 0o755)
        try:
            build_case(c, tmp)
            big = [f for f in os.listdir(tmp)
                   if os.path.getsize(os.path.join(tmp, f)) > c.max_file_bytes]
            if big:
                raise SystemExit("%s: files over %d bytes: %s" % (c.name, c.max_file_bytes, big))
            final = os.path.join(OUT_DIR, c.name)
            shutil.rmtree(final, ignore_errors=True)
            os.rename(tmp, final)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        print("model_golden: %-36s ok" % c.name, file=sys.stderr)

    if not args.only:
        for d in sorted(os.listdir(OUT_DIR)):
            if d not in by_name and os.path.exists(os.path.join(OUT_DIR, d, "case.json")):
                print("model_golden: removing stale case %s" % d, file=sys.stderr)
                shutil.rmtree(os.path.join(OUT_DIR, d))


if __name__ == "__main__":
    main()
