package install

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/gohub/gohub/hub/importer"
	"github.com/gohub/gohub/hub/progress"
	"github.com/gohub/gohub/hub/source"
	"github.com/gohub/gohub/hub/store"
	"github.com/pkg/errors"
)

// BuildIndex writes DIR/index.json listing every module archive in dir (gohub's, PaddleHub's
// and the LAC package), with its sha256 and size, URLs relative to the index. Files that
// are not module archives are skipped with a Status event. Serve the folder with any web
// server and point gohub at http://host/path/index.json.
func BuildIndex(dir string, report progress.Func) (*source.Index, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, errors.Wrap(err, "read archive folder")
	}
	idx := &source.Index{Format: source.IndexFormat, Generated: time.Now().UTC().Format(time.RFC3339), Modules: []source.Entry{}}
	for _, de := range entries {
		if de.IsDir() || !importer.IsArchivePath(de.Name()) {
			continue
		}
		e, err := indexEntry(filepath.Join(dir, de.Name()))
		if err != nil {
			report.Statusf("skipping %s: %v", de.Name(), err)
			continue
		}
		report.Statusf("%s: %s %s (%s)", de.Name(), e.Name, e.Version, e.Kind)
		idx.Modules = append(idx.Modules, e)
	}
	sort.SliceStable(idx.Modules, func(i, j int) bool {
		a, b := idx.Modules[i], idx.Modules[j]
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return source.CompareVersions(a.Version, b.Version) > 0
	})
	data, err := json.MarshalIndent(idx, "", "  ")
	if err != nil {
		return nil, errors.Wrap(err, "encode index")
	}
	return idx, store.WriteFileAtomic(filepath.Join(dir, source.IndexFile), append(data, '\n'))
}

// indexEntry reads one archive's identity by importing it into a throwaway directory.
func indexEntry(archive string) (source.Entry, error) {
	tmp, err := os.MkdirTemp("", "gohub-index-")
	if err != nil {
		return source.Entry{}, errors.Wrap(err, "create a temporary directory")
	}
	defer os.RemoveAll(tmp)
	extracted := filepath.Join(tmp, "extracted")
	if err := importer.Extract(archive, filepath.Base(archive), extracted); err != nil {
		return source.Entry{}, err
	}
	m, err := importer.Import(importer.Spec{Src: extracted, Dst: filepath.Join(tmp, "module"), Move: true, Origin: filepath.Base(archive)})
	if err != nil {
		return source.Entry{}, err
	}
	sha, err := store.SHA256File(archive)
	if err != nil {
		return source.Entry{}, err
	}
	return source.Entry{Name: m.Name, Version: m.Version, Kind: string(m.Kind), Summary: m.Summary,
		URL: (&url.URL{Path: filepath.Base(archive)}).String(), SHA256: sha, Size: source.FileSize(archive)}, nil
}
