package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gohub/gohub/internal/shared"
)

// TestRunCorruptedWeights damages a parameter file of an installed ShuffleNetV2 after the
// install, in the ways a disk or a hand can: `gohub run` fails with exit status 2 and a
// message naming the module, the file and what is wrong with it, without a crash, and
// leaves the input picture as it was. Restored, the module runs again.
//
// Bytes changed inside the tensor data, past its header, go unnoticed: nothing verifies
// the checksums in module.yaml when a module loads.
func TestRunCorruptedWeights(t *testing.T) {
	g := newRunner(t)
	src := installShuffleNet(t, g)
	cat, err := shared.Path("data", "images", "pld_tabby_cat.jpg")
	if err != nil {
		t.Skipf("shared cat image absent: %v", err)
	}
	picture := filepath.Join(t.TempDir(), "cat.jpg")
	data, err := os.ReadFile(cat)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(picture, data, 0o644))
	pictureSum := fileHash(t, picture)

	// A parameter file is one LoDTensor record: version, LoD, tensor version, the length of
	// the TensorDesc, the TensorDesc, then the data.
	const file = "conv5_weights"
	param := filepath.Join(g.home, "modules", "shufflenet_v2_imagenet", "model", "classification", file)
	require.FileExists(t, param)
	original, err := os.ReadFile(filepath.Join(src, file))
	require.NoError(t, err)
	patched := func(off int, b ...byte) func(string) error {
		return func(p string) error {
			f, err := os.OpenFile(p, os.O_WRONLY, 0)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = f.WriteAt(b, int64(off))
			return err
		}
	}
	for _, tt := range []struct {
		name, want string
		corrupt    func(path string) error
	}{
		{"truncated", "truncated at byte 32", func(p string) error { return os.Truncate(p, 100) }},
		{"emptied", "truncated", func(p string) error { return os.Truncate(p, 0) }},
		{"version flipped", "unsupported LoDTensor version", patched(0, 0xff, 0xff, 0xff, 0xff)},
		{"tensor description garbled", "not a valid VarType.TensorDesc", patched(20, 0xff, 0xff, 0xff, 0xff)},
		{"bytes appended", "trailing bytes after the tensor", func(p string) error { return os.Truncate(p, int64(len(original))+16) }},
		{"removed", "is missing", os.Remove},
	} {
		t.Run(tt.name, func(t *testing.T) {
			require.NoError(t, os.WriteFile(param, original, 0o644))
			require.NoError(t, tt.corrupt(param))

			r := g.run("run", "shufflenet_v2_imagenet", "--input_path", picture)
			t.Log(r.stderr)
			assert.Equal(t, 2, r.code, r.stderr)
			assert.Contains(t, r.stderr, "gohub run: load module shufflenet_v2_imagenet")
			assert.Contains(t, r.stderr, param, "names the damaged file")
			assert.Contains(t, r.stderr, tt.want)
			assert.NotContains(t, r.stderr, "panic")
			assert.NotContains(t, r.stderr, "SIGSEGV")
			assert.Empty(t, r.stdout)
			assert.Equal(t, pictureSum, fileHash(t, picture), "the input is untouched")
		})
	}

	require.NoError(t, os.WriteFile(param, original, 0o644))
	r := g.run("run", "shufflenet_v2_imagenet", "--input_path", picture)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, picture+": tabby")
}
