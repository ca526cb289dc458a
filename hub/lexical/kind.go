package lexical

import (
	"github.com/gohub/gohub/hub/kind"
	"github.com/gohub/gohub/hub/store"
)

func init() { kind.Register(store.KindLexicalAnalysis, open) }

// assetSegDict is LAC's segmentation dictionary (conf/small_seg.dic), which the LAC
// package's full model needs; the importer names conf files by their stem.
const assetSegDict = "small_seg"

// WithUserDict sets Options.UserDict for hub.Load.
func WithUserDict(path string) kind.Setting {
	return func(o any) {
		if o, ok := o.(*Options); ok {
			o.UserDict = path
		}
	}
}

// WithReturnTag false sets Options.NoTag for hub.Load (PaddleHub's return_tag).
func WithReturnTag(on bool) kind.Setting {
	return func(o any) {
		if o, ok := o.(*Options); ok {
			o.NoTag = !on
		}
	}
}

// open opens a lexical-analysis module: its model and dictionaries. The lac module's model
// "seg" gives words only; any other model is full lexical analysis.
func open(m *kind.Module, run kind.RunOptions, settings []kind.Setting) (kind.Instance, error) {
	model := m.Files(m.Model)
	f := Files{ModelDir: model.Dir, Program: model.Program, Params: model.Params}
	for name, dst := range map[string]*string{
		store.AssetWordDict: &f.WordDict, store.AssetQ2BDict: &f.Q2BDict, store.AssetTagDict: &f.TagDict,
	} {
		path, err := m.Asset(name, "")
		if err != nil {
			return nil, err
		}
		*dst = path
	}
	if rel, ok := m.Manifest.Asset(m.Model, assetSegDict); ok {
		f.SegDict = m.Path(rel)
	}
	opts := Options{RunOptions: run, Mode: ModeLAC}
	if m.Model.Name == string(ModeSeg) {
		opts.Mode = ModeSeg
	}
	kind.Apply(settings, &opts)
	a, err := OpenFiles(f, opts)
	if err != nil {
		return nil, err
	}
	return a, nil
}
