package store

import (
	"os"
	"path/filepath"

	"github.com/gohub/gohub/internal/settings"
	"github.com/pkg/errors"
)

// Home is gohub's data directory: modules/ (installed modules), cache/ (downloads and the
// last good remote indexes), tmp/ (installs in progress) and conf/config.yaml.
type Home struct {
	Root string
}

// DefaultHome is the home that settings.HomeDir names: $GOHUB_HOME, else ~/.gohub.
func DefaultHome() (Home, error) {
	root, err := settings.HomeDir()
	return Home{Root: root}, err
}

// ModulesDir holds one directory per installed module.
func (h Home) ModulesDir() string { return filepath.Join(h.Root, "modules") }

// CacheDir holds downloads in progress and cached indexes; deleting it loses nothing installed.
func (h Home) CacheDir() string { return filepath.Join(h.Root, "cache") }

// TmpDir holds installs in progress. It is on the same file system as ModulesDir, so a
// finished install moves into place with one rename.
func (h Home) TmpDir() string { return filepath.Join(h.Root, "tmp") }

// ConfigPath is conf/config.yaml.
func (h Home) ConfigPath() string { return filepath.Join(h.Root, "conf", "config.yaml") }

// Ensure creates the home's directories.
func (h Home) Ensure() error {
	if fi, err := os.Stat(h.Root); err == nil && !fi.IsDir() {
		return errors.Errorf("gohub home %s is a file, not a directory (set %s)", h.Root, settings.Home.Name)
	}
	for _, dir := range []string{h.ModulesDir(), h.CacheDir(), h.TmpDir(), filepath.Dir(h.ConfigPath())} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return errors.Wrap(err, "create gohub home")
		}
	}
	return nil
}

// ModuleDir returns the directory of the installed module name, or a *NotInstalledError
// (errors.Is(err, ErrNotInstalled)).
func (h Home) ModuleDir(name string) (string, error) {
	if !ValidName(name) {
		return "", &NotInstalledError{Name: name, Home: h.Root}
	}
	dir := filepath.Join(h.ModulesDir(), NormalizeName(name))
	if _, err := os.Stat(filepath.Join(dir, ManifestFile)); err != nil {
		if os.IsNotExist(err) {
			return "", &NotInstalledError{Name: name, Home: h.Root}
		}
		return "", errors.Wrap(err, "look up module "+name)
	}
	return dir, nil
}

// ModuleDir returns the directory of an installed module in the default home.
func ModuleDir(name string) (string, error) {
	h, err := DefaultHome()
	if err != nil {
		return "", err
	}
	return h.ModuleDir(name)
}
