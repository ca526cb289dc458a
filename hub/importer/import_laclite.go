package importer

import (
	"os"
	"path/filepath"

	"github.com/gohub/gohub/hub/store"
	"github.com/pkg/errors"
)

// Paddle-Lite's demos ship Baidu's mobile lexical analyser as one optimised model (model.nb)
// beside the three LAC dictionaries (word.dic, q2b.dic, tag.dic). gohub makes it the lac
// module's model "lite": words with POS and NER tags, one id per character (the mobile model
// has no segmenter). Installed next to the full model, it is added to that module; alone, it
// makes a lac module of its own.

// lacLiteModel is the lac module's model name for the Paddle-Lite tagger.
const lacLiteModel = "lite"

// lacDictFiles are the dictionaries every LAC model reads, by file name.
var lacDictFiles = []string{"word.dic", "q2b.dic", "tag.dic"}

// isLACLiteDir reports whether dir holds a Paddle-Lite model and the LAC dictionaries.
func isLACLiteDir(dir string) bool {
	mo, err := detectModel(dir, dir, "probe")
	if err != nil || !mo.ParamsInProgram() {
		return false
	}
	for _, name := range lacDictFiles {
		if !exists(filepath.Join(dir, name)) {
			return false
		}
	}
	return true
}

// importLACLite maps a Paddle-Lite LAC directory: the model to model/lite/, the dictionaries
// to assets/lite/.
func importLACLite(root string, spec Spec) (*store.Manifest, error) {
	probe, err := detectModel(root, root, lacLiteModel)
	if err != nil {
		return nil, err
	}
	modelDst := filepath.Join(spec.Dst, "model", lacLiteModel)
	if err := os.MkdirAll(modelDst, 0o755); err != nil {
		return nil, store.CheckDiskFull(errors.Wrap(err, "stage module"), modelDst)
	}
	for _, f := range probe.Files() {
		if err := store.Transfer(filepath.Join(root, filepath.FromSlash(f)), filepath.Join(modelDst, filepath.Base(f)), spec.Move); err != nil {
			return nil, err
		}
	}
	model, err := detectModel(spec.Dst, modelDst, lacLiteModel)
	if err != nil {
		return nil, err
	}
	model.Assets = map[string]string{}
	for _, name := range lacDictFiles {
		rel := "assets/" + lacLiteModel + "/" + name
		if err := store.Transfer(filepath.Join(root, name), filepath.Join(spec.Dst, filepath.FromSlash(rel)), spec.Move); err != nil {
			return nil, err
		}
		model.Assets[lacAssetNames[name]] = rel
	}
	return &store.Manifest{
		Name: "lac", Version: ModelDirVersion, Kind: store.KindLexicalAnalysis,
		Summary: "Baidu's LAC lexical analysis: words with part-of-speech and entity tags (mobile model, Paddle-Lite)",
		Models:  []store.Model{model},
		Merge:   store.MergeAddModels,
	}, nil
}
