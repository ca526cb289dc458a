package picture

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPreprocessLoad(t *testing.T) {
	// The three traps and an ordinary JPEG make one classifier batch.
	names := []string{"pld_girl.png", "pld_posedet_demo.jpg", "hub_serving_img_dog.jpg", "pld_tabby_cat.jpg"}
	paths := make([]string, len(names))
	for i, n := range names {
		paths[i] = sharedImage(t, n)
	}
	p := Preprocess{ResizeShort: 256, Width: 224, Height: 224, Normalize: imagenet}
	batch, err := p.Load(paths)
	require.NoError(t, err)
	assert.Equal(t, []int64{4, 3, 224, 224}, batch.Shape())
	require.Len(t, batch.Data, 4*3*224*224)
	for _, v := range batch.Data {
		require.True(t, v >= -2.2 && v <= 2.7, "value %v outside the ImageNet-normalised range", v)
	}
}

func TestPreprocessLoadNamesBadFile(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "labels.txt")
	require.NoError(t, os.WriteFile(bad, []byte("cat\ndog\n"), 0o644))
	_, err := Preprocess{Width: 8, Height: 8, Normalize: imagenet}.Load([]string{bad})
	assert.ErrorContains(t, err, bad+": not an image")
}
