// Package shared locates the project's shared material (real models and data) that lives
// outside the repository: $GOHUB_SHARED, or ../shared next to the module root.
//
// The material is never copied into the repository, so tests and examples find it here and
// skip or fail with a clear message where it is absent.
package shared

import (
	"os"
	"path/filepath"

	"github.com/gohub/gohub/internal/settings"
	"github.com/pkg/errors"
)

// Dir returns the shared directory: $GOHUB_SHARED when set, otherwise "shared" next to the
// module's root (ModuleRoot).
func Dir() (string, error) {
	if dir := settings.SharedDir(); dir != "" {
		return dir, nil
	}
	root, err := ModuleRoot()
	if err != nil {
		return "", errors.WithMessagef(err, "shared: %s is not set", settings.Shared.Name)
	}
	return filepath.Join(root, "..", "shared"), nil
}

// ModuleRoot returns the directory holding go.mod, found by walking up from the working
// directory (go test runs in the package directory, go run wherever the user is inside the
// module).
func ModuleRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", errors.Wrap(err, "working directory")
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		if filepath.Dir(dir) == dir {
			return "", errors.Errorf("no go.mod above %s", wd)
		}
	}
}

// Path returns the shared path made of elem (e.g. "models", "lac_seg") and checks that it
// exists, so that callers can tell "absent" from other failures.
func Path(elem ...string) (string, error) {
	dir, err := Dir()
	if err != nil {
		return "", err
	}
	p := filepath.Join(append([]string{dir}, elem...)...)
	if _, err := os.Stat(p); err != nil {
		return "", errors.Wrapf(err, "shared: %s (set %s to the shared directory)", p, settings.Shared.Name)
	}
	return p, nil
}
