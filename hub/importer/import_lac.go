package importer

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/gohub/gohub/hub/store"
	"github.com/pkg/errors"
)

// The LAC package on PyPI (github.com/baidu/lac) ships Baidu's models as plain Fluid
// directories: LAC/lac_model (words, POS and NER tags), LAC/seg_model (segmentation only)
// and LAC/rank_model (word importance), each with model/ and conf/ (the dictionaries).
// gohub maps the first two into the module "lac"; the rank model needs LAC's own
// post-processing of the lexical model's output and is left out.

// lacModels maps the package's model directories to gohub model names, default first.
var lacModels = []struct{ dir, name string }{{"lac_model", "lac"}, {"seg_model", "seg"}}

// lacAssetNames names the dictionaries readers/lac reads; other conf files keep their stem.
var lacAssetNames = map[string]string{"word.dic": store.AssetWordDict, "q2b.dic": store.AssetQ2BDict, "tag.dic": store.AssetTagDict}

// lacVersionInName reads the version from an archive name such as LAC-2.1.2.tar.gz.
var lacVersionInName = regexp.MustCompile(`(?i)(?:^|[^a-z])lac-([0-9][0-9A-Za-z.]*?)(?:-py.*)?\.(?:tar\.gz|whl|zip)$`)

// importLACPackage maps an unpacked LAC sdist or wheel; root holds LAC/ and the metadata.
func importLACPackage(root string, spec Spec) (*store.Manifest, error) {
	meta := lacMetadata(root)
	version := meta["Version"]
	if version == "" {
		if v := lacVersionInName.FindStringSubmatch(filepath.Base(spec.Origin)); v != nil {
			version = v[1]
		}
	}
	if version == "" {
		return nil, &store.ManifestError{Field: "version", Reason: "the LAC package has no PKG-INFO or METADATA with a Version"}
	}
	m := &store.Manifest{
		Name: "lac", Version: version, Kind: store.KindLexicalAnalysis,
		Summary: meta["Summary"], Author: meta["Author"], AuthorEmail: meta["Author-email"],
		Licence: meta["License"],
	}
	pkg := filepath.Join(root, "LAC")
	for _, lm := range lacModels {
		src := filepath.Join(pkg, lm.dir)
		if !exists(filepath.Join(src, "model")) {
			return nil, &MissingFileError{What: lm.name + " model", Want: []string{"LAC/" + lm.dir + "/model"}}
		}
		model, err := lacPlaceModel(src, lm.name, spec)
		if err != nil {
			return nil, err
		}
		m.Models = append(m.Models, model)
	}
	m.Merge = store.MergeKeepOthers
	return m, nil
}

// lacPlaceModel moves one LAC model to model/<name>/ and its conf/ to assets/<name>/.
func lacPlaceModel(src, name string, spec Spec) (store.Model, error) {
	modelDst := filepath.Join(spec.Dst, "model", name)
	if err := store.Transfer(filepath.Join(src, "model"), modelDst, spec.Move); err != nil {
		return store.Model{}, err
	}
	model, err := detectModel(spec.Dst, modelDst, name)
	if err != nil {
		return store.Model{}, err
	}
	// The inputs and outputs the program declares, for gohub show; a program that cannot be
	// read here fails when the model loads, with the loader's own message.
	if info, err := ReadProgramInfo(programFile(spec.Dst, model)); err == nil {
		model.Inputs, model.Outputs = info.Inputs, info.Outputs
	}
	confDst := filepath.Join(spec.Dst, "assets", name)
	if err := store.Transfer(filepath.Join(src, "conf"), confDst, spec.Move); err != nil {
		return store.Model{}, err
	}
	entries, err := os.ReadDir(confDst)
	if err != nil {
		return store.Model{}, errors.Wrap(err, "read LAC dictionaries")
	}
	model.Assets = map[string]string{}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		key, ok := lacAssetNames[e.Name()]
		if !ok {
			key = strings.TrimSuffix(e.Name(), filepath.Ext(e.Name()))
		}
		model.Assets[key] = "assets/" + name + "/" + e.Name()
	}
	for _, need := range []string{store.AssetWordDict, store.AssetQ2BDict, store.AssetTagDict} {
		if _, ok := model.Assets[need]; !ok {
			return store.Model{}, &MissingFileError{What: name + " dictionaries", Want: sortedKeys(lacAssetNames)}
		}
	}
	return model, nil
}

// lacMetadata reads the package's core metadata headers: PKG-INFO in an sdist,
// *.dist-info/METADATA in a wheel.
func lacMetadata(root string) map[string]string {
	candidates := []string{filepath.Join(root, "PKG-INFO"), filepath.Join(root, "LAC.egg-info", "PKG-INFO")}
	if m, _ := filepath.Glob(filepath.Join(root, "*.dist-info", "METADATA")); len(m) > 0 {
		candidates = append(m, candidates...)
	}
	for _, c := range candidates {
		if h := readMetadataHeaders(c); h["Version"] != "" {
			return h
		}
	}
	return map[string]string{}
}

// readMetadataHeaders parses the RFC 822 style header block of PKG-INFO or METADATA.
func readMetadataHeaders(path string) map[string]string {
	h := map[string]string{}
	f, err := os.Open(path)
	if err != nil {
		return h
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			break
		}
		if k, v, ok := strings.Cut(line, ":"); ok && !strings.HasPrefix(line, " ") {
			if _, seen := h[k]; !seen {
				h[k] = strings.TrimSpace(v)
			}
		}
	}
	return h
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
