// Package importer turns what users and sources hand gohub into gohub modules: archives
// (.tar.gz, .zip, .whl; the format is read from the content), unpacked refusing entries
// that would leave the target, and directories. It needs no cgo: recognising Paddle-Lite
// face models, which takes loading them, goes through an InspectFunc the caller supplies.
//
// The layouts recognised: gohub modules (module.yaml), PaddleHub 1.x modules
// (module_desc.pb), PaddleHub 2.x modules (module.py with @moduleinfo) for lac,
// resnet_v2_50_imagenet and ssd_mobilenet_v1_pascal, the LAC package from PyPI (models "lac"
// and "seg"), LAC's Paddle-Lite model folder, PaddleHub's face models as Paddle-Lite files,
// and plain inference model directories with a label file (classifiers and detectors).
package importer
