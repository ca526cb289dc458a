package lac

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func writeSegDict(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "small_seg.dic")
	require.NoError(t, os.WriteFile(path, []byte(body), 0o644))
	return path
}

func TestSegmenterCut(t *testing.T) {
	// Counts do not matter to LAC's scores, only word lengths and the total.
	s, err := LoadSegmenter(writeSegDict(t, "北京 5\n天安门 1\n北京天 1\n安门 9\n\n我们 3\n我 1\n们的 1\n"))
	require.NoError(t, err)
	tests := []struct {
		name, text string
		want       []string
	}{
		{"empty", "", nil},
		{"unknown chars", "你好", []string{"你", "好"}},
		// 北京|天安门 and 北京天|安门 score the same (log 2 + log 3): the longer first word wins.
		{"tie goes to the longer first word", "北京天安门", []string{"北京天", "安门"}},
		{"fewer words win", "天安门", []string{"天安门"}},
		{"prefix only is no word", "天安", []string{"天", "安"}},
		{"ascii runs join", "ab1我们c d", []string{"ab1", "我们", "c", " ", "d"}},
		{"multi-byte runs stay apart", "ａｂ", []string{"ａ", "ｂ"}},
		{"overlap", "我们的", []string{"我们", "的"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := s.Cut(tt.text)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.text, strings.Join(got, ""))
		})
	}
}

func TestLoadSegmenterErrors(t *testing.T) {
	tests := []struct{ name, body, want string }{
		{"no count", "北京\n", `line 1: want "word count"`},
		{"tab", "北京\t5\n", "line 1"},
		{"bad count", "a 1\n北京 x\n", "line 2"},
		{"bad utf8", "\xff 1\n", "invalid UTF-8"},
		{"empty", "\n", "has no words"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadSegmenter(writeSegDict(t, tt.body))
			assert.ErrorContains(t, err, tt.want)
		})
	}
	_, err := LoadSegmenter(filepath.Join(t.TempDir(), "nope"))
	assert.ErrorContains(t, err, "open segmentation dictionary")
}

func TestAppendSegments(t *testing.T) {
	v, err := LoadVocab(writeConf(t, testWords+"7\t北京\n8\t我爱\n", testQ2B, testTags))
	require.NoError(t, err)
	ids, spans := v.AppendSegments(nil, nil, []string{"我爱", "北京", "a", "爱北", "萬"})
	// Whole words get one id; other segments one id per character, single ones through q2b.
	assert.Equal(t, []int64{8, 7, 5, 2, 3, 6}, ids)
	assert.Equal(t, []int{2, 2, 1, 1, 1, 1}, spans)
}
