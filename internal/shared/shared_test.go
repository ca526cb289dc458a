package shared

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/gohub/gohub/internal/settings"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDirFromEnv(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(settings.Shared.Name, dir)
	got, err := Dir()
	require.NoError(t, err)
	assert.Equal(t, dir, got)

	require.NoError(t, os.Mkdir(filepath.Join(dir, "models"), 0o755))
	p, err := Path("models")
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(dir, "models"), p)
	_, err = Path("absent")
	assert.ErrorContains(t, err, settings.Shared.Name)
}

func TestDirNextToModule(t *testing.T) {
	t.Setenv(settings.Shared.Name, "")
	got, err := Dir()
	require.NoError(t, err)
	// This package sits two levels below the module root.
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(root, "..", "shared"), got)
}

func TestDirWithoutModule(t *testing.T) {
	t.Setenv(settings.Shared.Name, "")
	t.Chdir(t.TempDir())
	_, err := Dir()
	assert.ErrorContains(t, err, "no go.mod")
}
