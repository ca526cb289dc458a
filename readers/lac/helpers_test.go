package lac

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gohub/gohub/internal/shared"
)

// A small vocabulary in LAC's formats: id 0 is the space, as in the real word.dic.
const (
	testWords = "0\t \n1\t我\n2\t爱\n3\t北\n4\t京\n5\ta\n6\tOOV\n"
	testQ2B   = "Ａ\ta\n萬\t万\n"
	testTags  = "0\t-B\n1\t-I\n2\t-E\n3\t-S\n"
)

// Tag ids of testTags, named for readable tables.
const (
	B int64 = iota
	I
	E
	S
)

func writeConf(t *testing.T, words, q2b, tags string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range map[string]string{"word.dic": words, "q2b.dic": q2b, "tag.dic": tags} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644))
	}
	return dir
}

func testVocab(t *testing.T) *Vocab {
	t.Helper()
	v, err := LoadVocab(writeConf(t, testWords, testQ2B, testTags))
	require.NoError(t, err)
	return v
}

// realVocab loads the real LAC segmentation dictionaries, or skips.
func realVocab(t *testing.T) *Vocab {
	t.Helper()
	dir, err := shared.Path("models", "lac_seg", "conf")
	if err != nil {
		t.Skipf("real LAC model absent, skipping: %v", err)
	}
	v, err := LoadVocab(dir)
	require.NoError(t, err)
	return v
}
