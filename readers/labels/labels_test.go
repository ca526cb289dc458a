package labels

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParse(t *testing.T) {
	got, err := Parse("x.txt", []byte("\ufeff tabby \r\nMASK\n\n\n"))
	require.NoError(t, err)
	assert.Equal(t, []string{"tabby", "MASK"}, got)
	for body, want := range map[string]string{
		"": "labels x.txt: empty file", "\n \n": "empty file", "a\n\nb\n": "line 2 is blank", "a\xff\n": "not valid UTF-8",
	} {
		_, err := Parse("x.txt", []byte(body))
		assert.ErrorContains(t, err, want, "%q", body)
	}
}

func TestFind(t *testing.T) {
	dir := t.TempDir()
	_, err := Find(dir)
	assert.ErrorContains(t, err, "no label file")
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "labels"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "label_list.txt"), []byte("a\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "labels", "synset_words.txt"), []byte("a\n"), 0o644))
	rel, err := Find(dir)
	require.NoError(t, err)
	assert.Equal(t, "labels/synset_words.txt", rel, "PaddleClas's file first")
}
