// Package hub manages gohub's modules: the local store, the sources modules come from,
// and loading an installed module to run it.
//
// # The store
//
// A Home ($GOHUB_HOME, default ~/.gohub) holds modules/NAME (one directory per installed
// module: module.yaml, model/, assets/), cache/ (partial downloads, the last good listing
// of every remote source), tmp/ (installs in progress) and conf/config.yaml. module.yaml
// (Manifest) says everything needed to run a module without its original Python code:
// kind, models and their layout, assets, pre- and postprocessing parameters, inputs and
// outputs, and the sha256 of every file.
//
// Changes to the store hold an exclusive flock on the home, so concurrent gohub processes
// take turns. An install is staged in tmp/, verified, and moved into modules/ with one
// rename (an atomic exchange when it replaces a version), so a reader sees the old module
// or the new one and a killed install leaves no half module; the next install cleans up.
//
// # Sources
//
// Installer.Install takes NAME[==VERSION], an archive or a directory. Names are looked up
// in the configured servers in order: PaddleHub's registry protocol (/search, /info) or a
// static gohub index (index.json, written by BuildIndex). Every network wait is bounded by
// GOHUB_TIMEOUT (3 s), so an offline machine fails at once with a message that says what to
// do; listings are cached for offline search. Downloads resume with HTTP Range after a
// dropped or stalled connection and are checked against the source's sha256 or md5 before
// anything is unpacked. lac falls back to the LAC package on PyPI (pip download).
//
// Archives (.tar.gz, .zip, .whl; the format is read from the content) are unpacked
// refusing entries that would leave the target. Four layouts are recognised: gohub modules,
// PaddleHub 1.x modules (module_desc.pb), PaddleHub 2.x modules (module.py with
// @moduleinfo) for lac, resnet_v2_50_imagenet and ssd_mobilenet_v1_pascal, and the LAC
// package (models "lac" and "seg").
package hub
