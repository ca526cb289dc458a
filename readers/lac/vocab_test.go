package lac

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoadVocabErrors(t *testing.T) {
	tests := []struct {
		name, words, q2b, tags, want string
	}{
		{"no OOV", "0\ta\n", testQ2B, testTags, `no "OOV" entry`},
		{"bad id", "x\ta\n1\tOOV\n", testQ2B, testTags, `bad id "x"`},
		{"negative id", "-1\ta\n1\tOOV\n", testQ2B, testTags, `bad id "-1"`},
		{"no tab", "0\ta\n1 OOV\n", testQ2B, testTags, "word.dic line 2: want two tab-separated fields"},
		{"extra tab", testWords, "a\tb\tc\n", testTags, "q2b.dic line 1"},
		{"bad utf8", testWords, "\xff\ta\n", testTags, "invalid UTF-8"},
		{"no tags", testWords, testQ2B, "\n", "has no tags"},
		{"bad tag id", testWords, testQ2B, "B\t-B\n", `bad id "B"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadVocab(writeConf(t, tt.words, tt.q2b, tt.tags))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestLoadVocabMissingFile(t *testing.T) {
	_, err := LoadVocab(filepath.Join(t.TempDir(), "nope"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "word.dic")
}

func TestVocabBasics(t *testing.T) {
	v := testVocab(t)
	assert.Equal(t, int64(6), v.OOVID())
	assert.Equal(t, 7, v.Size())
	tag, ok := v.Tag(S)
	assert.True(t, ok)
	assert.Equal(t, Tag{Pos: Single}, tag)
	_, ok = v.Tag(9)
	assert.False(t, ok)
	name, ok := v.TagName(S)
	assert.True(t, ok)
	assert.Equal(t, "-S", name)
	_, ok = v.TagName(9)
	assert.False(t, ok)
}

// tag.dic may give an id twice (the LAC package's lac model maps 16 to nr-B, then PER-B):
// the last line wins, as in LAC's dict.
func TestTagNameRepeatedID(t *testing.T) {
	v, err := LoadVocab(writeConf(t, testWords, testQ2B, "16\tnr-B\n16\tPER-B\n"))
	require.NoError(t, err)
	name, _ := v.TagName(16)
	assert.Equal(t, "PER-B", name)
}

func TestNormalize(t *testing.T) {
	v := testVocab(t)
	tests := []struct{ in, want string }{
		{"", ""},
		{"Ａ萬b", "a万b"},
		{"我 爱", "我 爱"},
	}
	for _, tt := range tests {
		got, err := v.Normalize(tt.in)
		require.NoError(t, err)
		assert.Equal(t, tt.want, got)
	}
	_, err := v.Normalize("a\xffb")
	assert.ErrorContains(t, err, "UTF-8")
}

func TestEncode(t *testing.T) {
	v := testVocab(t)
	tests := []struct {
		name, in string
		want     []int64
	}{
		{"empty", "", []int64{}},
		{"known", "我爱北京", []int64{1, 2, 3, 4}},
		{"space is id 0", "我 爱", []int64{1, 0, 2}},
		{"full width via q2b", "Ａ", []int64{5}},
		{"replacement not in vocab", "萬", []int64{6}},
		{"unknown", "天z", []int64{6, 6}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := v.Encode(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	_, err := v.Encode("\xc3")
	assert.ErrorContains(t, err, "UTF-8")
}

func TestParseTag(t *testing.T) {
	tests := []struct {
		in   string
		want Tag
	}{
		{"-B", Tag{Pos: Begin}},
		{"-I", Tag{Pos: Inside}},
		{"-E", Tag{Pos: End}},
		{"-S", Tag{Pos: Single}},
		{"n-B", Tag{Label: "n", Pos: Begin}},
		{"LOC-I", Tag{Label: "LOC", Pos: Inside}},
		{"O", Tag{Label: "O"}},
		{"x-Q", Tag{Label: "x-Q"}},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, parseTag(tt.in), tt.in)
	}
}

func TestRealVocab(t *testing.T) {
	v := realVocab(t)
	assert.Equal(t, 8224, v.Size(), "rows of word_emb")
	assert.Equal(t, int64(8223), v.OOVID())
	ids, err := v.Encode(" ！A")
	require.NoError(t, err)
	// The space is id 0; q2b turns the full-width "！" into "!" (id 1) and "A" into "a".
	want, err := v.Encode(" !a")
	require.NoError(t, err)
	assert.Equal(t, want, ids)
	assert.Equal(t, []int64{0, 1}, ids[:2])
	assert.NotEqual(t, v.OOVID(), ids[2])
}

// LAC looks characters up one at a time: a longer q2b key never applies, and a longer
// replacement is looked up whole in word.dic.
func TestMultiCharEntries(t *testing.T) {
	v, err := LoadVocab(writeConf(t, testWords+"7\t北京\n", "ab\tc\n㈠\t北京\n", testTags))
	require.NoError(t, err)
	got, err := v.Normalize("ab㈠")
	require.NoError(t, err)
	assert.Equal(t, "ab北京", got)
	ids, err := v.Encode("北京㈠")
	require.NoError(t, err)
	assert.Equal(t, []int64{3, 4, 7}, ids)
}
