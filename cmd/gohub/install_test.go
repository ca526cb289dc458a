package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gohub/gohub/internal/shared"
)

// TestInstallRefusesModelThatDoesNotLoad installs copies of the shared ShuffleNetV2 model
// directory with a truncated parameter file and with a garbled program: install loads the
// model first and refuses it with the loader's message, unless --force.
func TestInstallRefusesModelThatDoesNotLoad(t *testing.T) {
	src, err := shared.Path("models", "shufflenet_v2_imagenet")
	if err != nil {
		t.Skipf("shared ShuffleNetV2 model absent: %v", err)
	}
	for _, tt := range []struct {
		name, file, want string
		corrupt          func(path string) error
	}{
		{"truncated parameters", "conv5_weights", "truncated", func(p string) error { return os.Truncate(p, 100) }},
		{"garbled program", "__model__", "not a Paddle ProgramDesc", func(p string) error { return os.WriteFile(p, []byte("garbage"), 0o644) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "shufflenet_v2_imagenet")
			require.NoError(t, os.CopyFS(dir, os.DirFS(src)))
			require.NoError(t, os.Chmod(filepath.Join(dir, tt.file), 0o644))
			require.NoError(t, tt.corrupt(filepath.Join(dir, tt.file)))
			g := newRunner(t)

			r := g.run("install", dir)
			assert.Equal(t, 2, r.code, r.stderr)
			assert.Contains(t, r.stderr, `model "classification" does not load`)
			assert.Contains(t, r.stderr, tt.want, "the loader's message")
			assert.Contains(t, r.stderr, "Nothing was installed")
			assert.Empty(t, r.stdout)
			assert.NoDirExists(t, filepath.Join(g.home, "modules", "shufflenet_v2_imagenet"))
			tmp, err := os.ReadDir(filepath.Join(g.home, "tmp"))
			require.NoError(t, err)
			assert.Empty(t, tmp, "no staging left behind")

			r = g.run("install", "--force", dir)
			require.Equal(t, 0, r.code, r.stderr)
			assert.Contains(t, r.stderr, "warning: model \"classification\" of shufflenet_v2_imagenet does not load")
			assert.Contains(t, r.stdout, "Successfully installed shufflenet_v2_imagenet")
		})
	}
}
