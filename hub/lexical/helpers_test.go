package lexical

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/gohub/gohub/internal/settings"
	"github.com/stretchr/testify/require"
)

// defaultLACPackage is where `make oracle-lac` (scripts/oracle/lac_pkg_setup.sh) extracts
// it, relative to this package's directory, where go test runs.
var defaultLACPackage = filepath.Join("..", "..", "build", "lac-pkg", "LAC-2.1.2", "LAC")

// lacPackage returns the LAC package folder (the LAC/ folder of the extracted LAC-2.1.2
// sdist from PyPI, holding lac_model/ and seg_model/), or skips the test where it is absent.
func lacPackage(t testing.TB) string {
	t.Helper()
	dir := settings.LACPackage.Value()
	if dir == "" {
		dir = defaultLACPackage
	}
	if _, err := os.Stat(filepath.Join(dir, "lac_model", "model", "__model__")); err != nil {
		t.Skipf("LAC package absent (%v): run `make oracle-lac` or set %s to the LAC/ folder of LAC-2.1.2.tar.gz", err, settings.LACPackage.Name)
	}
	return dir
}

// openPackage opens one model of the LAC package ("lac_model" or "seg_model").
func openPackage(t testing.TB, model string, opts Options) *Analyzer {
	t.Helper()
	a, err := Open(filepath.Join(lacPackage(t), model), opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = a.Close() })
	return a
}

// writeFile writes body to a new file in a temporary directory and returns its path.
func writeFile(t testing.TB, name, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(body), 0o644))
	return path
}
