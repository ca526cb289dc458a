// Package store is gohub's local store of modules: the home directory, its lock, module
// manifests (module.yaml) and their validation, checksums, and the atomic commit of an
// install. It loads no model and needs no cgo.
//
// A Home ($GOHUB_HOME, default ~/.gohub) holds modules/NAME (one directory per installed
// module: module.yaml, model/, assets/), cache/ (partial downloads, the last good listing
// of every remote source), tmp/ (installs in progress) and conf/config.yaml. module.yaml
// (Manifest) says everything needed to run a module without its original Python code:
// kind, models and their layout, assets, pre- and postprocessing parameters, inputs and
// outputs, and the sha256 of every file.
//
// Changes to the store hold an exclusive flock on the home (Home.Lock), so concurrent
// gohub processes take turns. An install is staged in tmp/, verified, and moved into
// modules/ with one rename (Home.Commit: an atomic exchange when it replaces a version), so
// a reader sees the old module or the new one and a killed install leaves no half module;
// Home.Recover cleans up on the next run.
package store
