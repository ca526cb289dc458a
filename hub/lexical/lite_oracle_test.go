package lexical

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gohub/gohub/hub/kind"
	"github.com/gohub/gohub/internal/shared"
)

// liteOracle is testdata/lite/lac_lite.json: real Paddle-Lite 2.12 running the Paddle-Lite
// LAC model on the ids of each text (scripts/oracle/lite_golden.py), one tag per character.
type liteOracle struct {
	Cases []struct {
		Text     string   `json:"text"`
		IDs      []int64  `json:"ids"`
		TagNames []string `json:"tag_names"`
	} `json:"cases"`
}

// wordsFromCharTags joins characters into words by LAC's rule: a tag ending in -B (or -S)
// starts a word, and a word is labelled by its last character's tag without the suffix.
func wordsFromCharTags(text string, tags []string) (words, labels []string) {
	var cur strings.Builder
	last := ""
	i := 0
	for _, r := range text {
		t := tags[i]
		if i > 0 && (strings.HasSuffix(t, "-B") || strings.HasSuffix(t, "-S")) {
			words, labels = append(words, cur.String()), append(labels, strings.SplitN(last, "-", 2)[0])
			cur.Reset()
		}
		cur.WriteRune(r)
		last = t
		i++
	}
	if i > 0 {
		words, labels = append(words, cur.String()), append(labels, strings.SplitN(last, "-", 2)[0])
	}
	return words, labels
}

// TestLiteOracle: the lac module's Paddle-Lite model (gohub run lac --model lite) gives the
// tags real Paddle-Lite gives, for every text of the oracle set, batched and not.
func TestLiteOracle(t *testing.T) {
	dir, err := shared.Path("models", "lac_lite")
	if err != nil {
		t.Skipf("shared Paddle-Lite LAC model absent: %v", err)
	}
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "lite", "lac_lite.json"))
	require.NoError(t, err)
	var oracle liteOracle
	require.NoError(t, json.Unmarshal(data, &oracle))
	require.NotEmpty(t, oracle.Cases)
	texts := make([]string, len(oracle.Cases))
	for i, c := range oracle.Cases {
		require.Len(t, c.TagNames, utf8.RuneCountInString(c.Text), "oracle case %q", c.Text)
		texts[i] = c.Text
	}
	files := Files{Program: filepath.Join(dir, "model.nb"), WordDict: filepath.Join(dir, "word.dic"),
		Q2BDict: filepath.Join(dir, "q2b.dic"), TagDict: filepath.Join(dir, "tag.dic")}
	for _, opts := range []Options{{RunOptions: kind.RunOptions{BatchSize: 1}}, {RunOptions: kind.RunOptions{BatchSize: 16, Threads: 2}}} {
		a, err := OpenFiles(files, opts)
		require.NoError(t, err)
		got, err := a.Cut(texts)
		require.NoError(t, err)
		require.NoError(t, a.Close())
		for i, c := range oracle.Cases {
			words, labels := wordsFromCharTags(c.Text, c.TagNames)
			assert.Equal(t, words, got[i].Word, "words of %q (batch %d)", c.Text, opts.BatchSize)
			assert.Equal(t, labels, got[i].Tag, "tags of %q (batch %d)", c.Text, opts.BatchSize)
		}
	}
}
