// Package moduledesc is PaddleHub 1.x's module_desc.proto compiled with protoc-gen-go:
// what a module_desc.pb in a PaddleHub archive holds, and what gohub reads from it beside
// the importer (FeatureMap).
package moduledesc

//go:generate protoc --go_out=. --go_opt=paths=source_relative module_desc.proto
