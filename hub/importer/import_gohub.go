package importer

import (
	"os"
	"path/filepath"

	"github.com/gohub/gohub/hub/store"
	"github.com/pkg/errors"
)

// importGohub takes a directory that already is a gohub module.
func importGohub(root string, spec Spec) (*store.Manifest, error) {
	m, err := store.LoadManifest(root)
	if err != nil {
		return nil, err
	}
	if err := store.Transfer(root, spec.Dst, spec.Move); err != nil {
		return nil, err
	}
	return m, nil
}

// CheckModuleFiles makes sure every file the manifest names exists in dir.
func CheckModuleFiles(dir string, m *store.Manifest) error {
	var paths []string
	for _, mo := range m.Models {
		paths = append(paths, mo.Files()...)
		for _, p := range mo.Assets {
			paths = append(paths, p)
		}
	}
	for _, p := range m.Assets {
		paths = append(paths, p)
	}
	for _, p := range paths {
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(p))); err != nil {
			return errors.Wrapf(err, "module %s is incomplete", m.Name)
		}
	}
	return nil
}
