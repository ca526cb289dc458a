package install

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/pkg/errors"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gohub/gohub/hub/internal/fixture"
	"github.com/gohub/gohub/hub/store"
)

// A module whose model does not load is refused with the loader's message and nothing is
// installed; under Force it is installed with a warning. Loading runs once per model, and
// not at all when the same files are installed already.
func TestInstallLoadsEveryModel(t *testing.T) {
	in, log := newInstaller(t)
	src := t.TempDir()
	for name, body := range fixture.ModuleFiles("", "mine", "0.1.0") {
		p := filepath.Join(src, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	}
	loads := 0
	in.Inspect = func(dir string, mo *store.Model) ([]store.TensorSpec, []store.TensorSpec, error) {
		loads++
		return nil, nil, errors.New("parameter file truncated")
	}

	_, err := in.Install(testCtx, src)
	var bad *ModelLoadError
	require.ErrorAs(t, err, &bad)
	assert.Equal(t, "classification", bad.Model)
	assert.Contains(t, err.Error(), "parameter file truncated")
	assert.Equal(t, 1, loads)
	_, err = in.Home.Lookup("mine")
	assert.ErrorIs(t, err, store.ErrNotInstalled)
	assert.Empty(t, fixture.Tree(t, in.Home.TmpDir()), "no staging left behind")

	in.Force = true
	_, err = in.Install(testCtx, src)
	require.NoError(t, err)
	assert.Contains(t, log.String(), `warning: model "classification" of mine does not load`)

	in.Force, loads = false, 0
	res, err := in.Install(testCtx, src)
	require.NoError(t, err)
	assert.True(t, res.Already)
	assert.Zero(t, loads, "the same files installed already are not loaded again")
}
