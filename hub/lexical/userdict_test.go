package lexical

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func parseDict(t *testing.T, body string) *UserDict {
	t.Helper()
	d, err := ParseUserDict([]byte(body))
	require.NoError(t, err)
	return d
}

func TestParseUserDict(t *testing.T) {
	d := parseDict(t, "\ufeff春天/SEASON\r\n花/n 开/v\r秋天的风\n落 阳\n\n  \n一\n字/n\n/usr/bin\n天气预报\tn\t400000\n南京\u3000长江大桥/ns\x1f\n")
	want := map[string]dictEntry{
		"春天":     {tags: []string{"SEASON"}, ends: []int{2}},
		"花开":     {tags: []string{"n", "v"}, ends: []int{1, 2}},
		"秋天的风":   {tags: []string{""}, ends: []int{4}},
		"落阳":     {tags: []string{"", ""}, ends: []int{1, 2}},
		"字":      {tags: []string{"n"}, ends: []int{1}},
		"/usr":   {tags: []string{"bin"}, ends: []int{4}},
		"天气预报":   {tags: []string{"n"}, ends: []int{4}},
		"南京长江大桥": {tags: []string{"", "ns"}, ends: []int{2, 6}},
	}
	assert.Equal(t, want, d.entries, "一 (one character, no tag) is ignored, as in LAC")
	assert.Equal(t, len(want), d.Len())
	assert.Equal(t, 0, d.trie["秋天的"], "a prefix is no phrase")
	assert.Equal(t, 4, d.trie["秋天的风"])
}

// The old format (word<TAB>tag<TAB>freq) means the same as word/tag in the new one.
func TestUserDictFormatsAgree(t *testing.T) {
	old := parseDict(t, "天气预报\tn\t400000\n秋天的风\tn \t 3\n")
	new := parseDict(t, "天气预报/n\n秋天的风/n\n")
	assert.Equal(t, new.entries, old.entries)
	// Not old format: two fields, or a frequency that is not a number, read as lac 2.2 does.
	other := parseDict(t, "天气\tn\n天气预报\tn\tx\n")
	assert.Contains(t, other.entries, "天气n")
	assert.Contains(t, other.entries, "天气预报nx")
}

func TestUserDictLastLineWins(t *testing.T) {
	d := parseDict(t, "花开/v\n花 开\n")
	assert.Equal(t, dictEntry{tags: []string{"", ""}, ends: []int{1, 2}}, d.entries["花开"])
}

func TestLoadUserDictErrors(t *testing.T) {
	_, err := LoadUserDict(filepath.Join(t.TempDir(), "nope.dict"))
	assert.ErrorContains(t, err, "read user dictionary")
	path := writeFile(t, "bad.dict", "春天\n\xff\xfe/n\n")
	_, err = LoadUserDict(path)
	assert.ErrorContains(t, err, "line 2 is not valid UTF-8")
	assert.ErrorContains(t, err, path)
}

func TestUserDictMatches(t *testing.T) {
	tests := []struct {
		name, dict, text string
		want             []span
	}{
		{"none", "春天/n", "秋天", nil},
		{"each occurrence", "春天/n", "春天春天", []span{{0, 2}, {2, 4}}},
		{"inside an earlier match", "春天的花/n\n天的/n", "春天的花", []span{{0, 4}}},
		{"shorter and longer at one start", "春天/n\n春天的花/n", "春天的花", []span{{0, 2}, {0, 4}}},
		{"overlapping the end", "这个命令\n命令 行/n", "这个命令行", []span{{0, 4}, {2, 5}}},
		{"prefix only", "春天的花/n", "春天的", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := parseDict(t, tt.dict)
			offs := []int{}
			for i := range tt.text {
				offs = append(offs, i)
			}
			offs = append(offs, len(tt.text))
			assert.Equal(t, tt.want, d.matches(tt.text, offs))
		})
	}
}

func TestUserDictApply(t *testing.T) {
	tests := []struct {
		name, dict, text string
		tags, want       []string
	}{
		{"new tag", "春天/SEASON", "春天的",
			[]string{"TIME-B", "TIME-I", "u-B"}, []string{"SEASON-B", "SEASON-I", "u-B"}},
		{"split a word, keep labels", "花 开", "花开了",
			[]string{"v-B", "v-I", "u-B"}, []string{"v-B", "v-B", "u-B"}},
		{"join words, keep the label", "秋天的风", "秋天的风",
			[]string{"TIME-B", "TIME-I", "u-B", "n-B"}, []string{"TIME-B", "TIME-I", "u-I", "n-I"}},
		{"next character starts a word", "春天/n", "春天里",
			[]string{"n-B", "n-I", "n-I"}, []string{"n-B", "n-I", "n-B"}},
		{"O tags", "ab", "ab", []string{"O", "O"}, []string{"B", "I"}},
		{"seg tags", "北京", "北京", []string{"-S", "-S"}, []string{"-B", "-I"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tags := append([]string(nil), tt.tags...)
			parseDict(t, tt.dict).apply(tt.text, tags)
			assert.Equal(t, tt.want, tags)
		})
	}
}
