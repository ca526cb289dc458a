"""A tiny PaddleHub 1.x (module_desc.pb) image-classification module whose feature_map
signature is not the input of its last fc, and real PaddleHub's context() of it.

PaddleHub 1.8.3 reads 1.x modules (ModuleV1) but no longer writes them: it lacks
serialize_to_path, which made resnet_v2_50_imagenet and its family. This script writes the
module in that layout with PaddleHub 1.8.3's own pieces:

  * the program: Paddle 1.8.5's save_inference_model with the targets of both signatures,
    then every variable and parameter file renamed @HUB_<name>@<var>, as the serializer did;
  * module_desc.pb: paddlehub.module.module_desc_pb2 filled through PaddleHub's
    from_pyobj_to_module_attr / from_param_to_module_attr (module_info, name_prefix,
    default_signature, param_attrs, var_infos, extra_info, sign2var);
  * check_info.pb: paddlehub.module.check_info_pb2, as ModuleChecker.generate_check_info
    fills it (which in 1.8.3 sets a field its own proto lacks and so cannot run).

The net is image -> conv -> batch_norm+relu -> global average pool -> dropout -> fc ->
softmax. Its "feature_map" signature fetches the pool's output, while the last fc reads the
dropout's, so a test can tell the two ways of finding the feature map apart. The module is
named resnet_v2_50_imagenet because gohub imports only PaddleHub modules it knows; its
summary says what it really is. It has no python/ processor: context() needs none (the
module cannot be called to classify).

Then PaddleHub itself loads the unpacked module (ModuleChecker.check and ModuleV1, what
hub.Module(directory=...) runs, without its network cache update) and golden.json records
what module.context(trainable=True) returns: the variable names of inputs["image"],
outputs["feature_map"] and outputs["classification"].

Only the package's __init__ is bypassed (it imports the CLI, serving and VisualDL): the
paddlehub and paddlehub.module packages are registered empty with their real paths (the
latter's __init__ would import module.py before paddlehub.common is ready), and
paddlehub.common.logger is a plain logger (colorlog is not installed).

    hub_feature_map.py OUT_DIR    writes OUT_DIR/module.tar.gz and OUT_DIR/golden.json
"""

import gzip
import importlib.metadata
import importlib.util
import io
import json
import logging
import os
import sys
import tarfile
import tempfile
import types

import paddle
import paddle.fluid as fluid

NAME = "resnet_v2_50_imagenet"
PREFIX = "@HUB_%s@" % NAME
LABELS = ["tench", "goldfish", "great white shark", "tiger shark"]


def load_paddlehub():
    root = importlib.util.find_spec("paddlehub").submodule_search_locations[0]
    for name, path in [("paddlehub", root), ("paddlehub.module", os.path.join(root, "module"))]:
        mod = types.ModuleType(name)
        mod.__path__ = [path]
        sys.modules[name] = mod
    logmod = types.ModuleType("paddlehub.common.logger")
    logmod.logger = logging.getLogger("paddlehub")
    sys.modules["paddlehub.common.logger"] = logmod
    from paddlehub.common import paddle_helper, utils
    from paddlehub import version
    from paddlehub.module import check_info_pb2, checker, module, module_desc_pb2
    return types.SimpleNamespace(utils=utils, paddle_helper=paddle_helper, checker=checker,
                                 module=module, pb=module_desc_pb2, check_pb=check_info_pb2,
                                 version=version)


def build_net():
    main, startup = fluid.Program(), fluid.Program()
    main.random_seed = startup.random_seed = 7
    with fluid.program_guard(main, startup):
        image = fluid.data("image", [-1, 3, 224, 224], "float32")
        conv = fluid.layers.conv2d(image, 8, 3, stride=4, padding=1, bias_attr=False)
        bn = fluid.layers.batch_norm(conv, act="relu")
        feature_map = fluid.layers.pool2d(bn, pool_type="avg", global_pooling=True)
        drop = fluid.layers.dropout(feature_map, 0.2)
        logits = fluid.layers.fc(drop, len(LABELS))
        probs = fluid.layers.softmax(logits)
    return main, startup, image, feature_map, probs


def save_prefixed_model(model_dir, main, startup, feeds, targets):
    """save_inference_model, then every variable and parameter file renamed with PREFIX."""
    exe = fluid.Executor(fluid.CPUPlace())
    exe.run(startup)
    fluid.io.save_inference_model(model_dir, feeds, targets, exe, main_program=main)
    path = os.path.join(model_dir, "__model__")
    with open(path, "rb") as f:
        prog = fluid.framework.Program.parse_from_string(f.read())
    for block in prog.blocks:
        for var in list(block.vars):
            if var not in ("feed", "fetch"):
                block._rename_var(var, PREFIX + var)
    with open(path, "wb") as f:
        f.write(prog.desc.serialize_to_string())
    for fname in os.listdir(model_dir):
        if fname != "__model__":
            os.rename(os.path.join(model_dir, fname), os.path.join(model_dir, PREFIX + fname))


def module_desc(hub, main, signatures):
    """The ModuleDesc a 1.x module carries; signatures: name -> (feeds, fetches), each a list
    of (alias, unprefixed variable name)."""
    to_attr = hub.utils.from_pyobj_to_module_attr
    desc = hub.pb.ModuleDesc()
    attr = desc.attr
    attr.type = hub.pb.MAP
    params = attr.map.data["param_attrs"]
    params.type = hub.pb.MAP
    for p in main.global_block().iter_parameters():
        # Paddle 1.8 dropped Parameter.gradient_clip_attr, which PaddleHub still records;
        # the Paddle the 1.x modules were made with had None there unless a clip was set.
        p.gradient_clip_attr = None
        hub.paddle_helper.from_param_to_module_attr(p, params.map.data[p.name])
    infos = attr.map.data["var_infos"]
    infos.type = hub.pb.MAP
    for block in main.blocks:
        for var in block.vars.values():
            info = infos.map.data[var.name]
            info.type = hub.pb.MAP
            to_attr(var.stop_gradient, info.map.data["stop_gradient"])
            to_attr(block.idx, info.map.data["block_id"])
    for sign, (feeds, fetches) in signatures.items():
        for alias, var in feeds:
            d = desc.sign2var[sign].feed_desc.add()
            d.var_name, d.alias = PREFIX + var, alias
        for alias, var in fetches:
            d = desc.sign2var[sign].fetch_desc.add()
            d.var_name, d.alias = PREFIX + var, alias
    to_attr("classification", attr.map.data["default_signature"])
    to_attr(PREFIX, attr.map.data["name_prefix"])
    info = attr.map.data["module_info"]
    info.type = hub.pb.MAP
    for key, value in [("name", NAME), ("version", "0.0.1"), ("type", "cv/classification"),
                       ("author", "gohub"), ("author_email", ""),
                       ("summary", "A tiny test stand-in (8 channels, 4 classes) under "
                                   "resnet_v2_50_imagenet's name: its feature_map is not the fc's input.")]:
        to_attr(value, info.map.data[key])
    extra = attr.map.data["extra_info"]
    extra.type = hub.pb.MAP
    for key, value in [("expected_image_width", 224), ("expected_image_height", 224),
                       ("pretrained_images_mean", [0.485, 0.456, 0.406]),
                       ("pretrained_images_std", [0.229, 0.224, 0.225])]:
        to_attr(value, extra.map.data[key])
    return desc.SerializeToString(deterministic=True)


def check_info(hub, mod_dir):
    """check_info.pb: the versions, and every file and directory as needed."""
    info = hub.check_pb.CheckInfo()
    info.paddle_version = paddle.__version__
    info.hub_version = hub.version.hub_version
    info.module_proto_version = hub.version.module_proto_version
    for dirpath, dirnames, filenames in os.walk(mod_dir):
        dirnames.sort()
        for name, kind in [(d, hub.check_pb.DIR) for d in dirnames] + [(f, hub.check_pb.FILE) for f in sorted(filenames)]:
            f = info.file_infos.add()
            f.file_name = os.path.relpath(os.path.join(dirpath, name), mod_dir).replace(os.sep, "/")
            f.type, f.is_need = kind, True
    return info.SerializeToString(deterministic=True)


def deterministic_tar_gz(src_dir, out_path):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for dirpath, dirnames, filenames in os.walk(src_dir):
            dirnames.sort()
            for fname in sorted(filenames):
                path = os.path.join(dirpath, fname)
                info = tar.gettarinfo(path, os.path.relpath(path, os.path.dirname(src_dir)))
                info.mtime, info.uid, info.gid, info.uname, info.gname, info.mode = 0, 0, 0, "", "", 0o644
                with open(path, "rb") as f:
                    tar.addfile(info, f)
    with open(out_path, "wb") as f, gzip.GzipFile(fileobj=f, mode="wb", mtime=0, filename="") as gz:
        gz.write(buf.getvalue())


def main(out_dir):
    hub = load_paddlehub()
    main_prog, startup, image, feature_map, probs = build_net()
    # fluid.layers.fc is a mul by its weight and an elementwise_add of its bias.
    fc_input = next(op.input("X")[0] for op in main_prog.global_block().ops if op.type == "mul")
    assert fc_input != feature_map.name, "the fixture must tell the two rules apart"

    work = tempfile.mkdtemp(prefix="hub-feature-map-")
    mod_dir = os.path.join(work, NAME)
    save_prefixed_model(os.path.join(mod_dir, "model"), main_prog, startup, ["image"], [feature_map, probs])
    signatures = {
        "classification": ([("image", image.name)], [("classification", probs.name)]),
        "feature_map": ([("image", image.name)], [("feature_map", feature_map.name)]),
    }
    with open(os.path.join(mod_dir, "module_desc.pb"), "wb") as f:
        f.write(module_desc(hub, main_prog, signatures))
    os.makedirs(os.path.join(mod_dir, "assets"))
    with open(os.path.join(mod_dir, "assets", "label_list.txt"), "w") as f:
        f.write("\n".join(LABELS) + "\n")
    data = check_info(hub, mod_dir)
    with open(os.path.join(mod_dir, "check_info.pb"), "wb") as f:
        f.write(data)

    os.makedirs(out_dir, exist_ok=True)
    deterministic_tar_gz(mod_dir, os.path.join(out_dir, "module.tar.gz"))

    # What PaddleHub's hub.Module(directory=...) does for a module_desc.pb module, less the
    # cache-update thread that calls its server.
    assert hub.checker.ModuleChecker(mod_dir).check(), "PaddleHub's module check"
    m = hub.module.ModuleV1(directory=mod_dir)
    inputs, outputs, _ = m.context(trainable=True)
    golden = {
        "paddlehub": importlib.metadata.version("paddlehub"),
        "paddle": paddle.__version__,
        "context": {
            "inputs": {"image": inputs["image"].name},
            "outputs": {k: outputs[k].name for k in ("feature_map", "classification")},
        },
        "last_fc_input": PREFIX + fc_input,
    }
    with open(os.path.join(out_dir, "golden.json"), "w") as f:
        json.dump(golden, f, indent=1, sort_keys=True)
        f.write("\n")
    print(json.dumps(golden, indent=1, sort_keys=True))


if __name__ == "__main__":
    main(sys.argv[1])
