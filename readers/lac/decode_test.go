package lac

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDecode(t *testing.T) {
	v := testVocab(t)
	tests := []struct {
		name string
		text string
		tags []int64
		want []string
	}{
		{"empty", "", nil, nil},
		{"well formed", "我爱北京天安门", []int64{S, S, B, E, B, I, E}, []string{"我", "爱", "北京", "天安门"}},
		{"single char", "我", []int64{S}, []string{"我"}},
		// LAC opens a word only at the first character and at B or S.
		{"leading I", "北京", []int64{I, E}, []string{"北京"}},
		{"I after E joins", "天安门", []int64{B, E, I}, []string{"天安门"}},
		{"E after S joins", "我爱", []int64{S, E}, []string{"我爱"}},
		{"B after B splits", "北京", []int64{B, B}, []string{"北", "京"}},
		{"unterminated B", "北京", []int64{S, B}, []string{"北", "京"}},
		{"spaces are words", "我 爱", []int64{S, S, S}, []string{"我", " ", "爱"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			words, err := v.Decode([]rune(tt.text), tt.tags)
			require.NoError(t, err)
			assert.Equal(t, tt.want, nilIfEmpty(Texts(words)))
		})
	}
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

func TestDecodeErrors(t *testing.T) {
	v := testVocab(t)
	_, err := v.Decode([]rune("我爱"), []int64{S})
	assert.ErrorContains(t, err, "2 characters but 1 tags")
	_, err = v.Decode([]rune("我爱"), []int64{S, 7})
	assert.ErrorContains(t, err, "tag id 7 at character 1")
}

func TestDecodeLabels(t *testing.T) {
	conf := writeConf(t, testWords, testQ2B, "0\tn-B\n1\tn-I\n2\tv-B\n3\tO\n4\tns-B\n5\tns-I\n")
	v, err := LoadVocab(conf)
	require.NoError(t, err)
	// The label is the last character's (LAC's rule); O extends the word like I.
	words, err := v.Decode([]rune("我爱北京天"), []int64{0, 2, 4, 5, 3})
	require.NoError(t, err)
	assert.Equal(t, []Word{{"我", "n"}, {"爱", "v"}, {"北京天", "O"}}, words)
}

func TestDecodeLong(t *testing.T) {
	v := testVocab(t)
	const n = 100_000
	text := []rune(strings.Repeat("北京", n/2))
	tags := make([]int64, n)
	for i := range tags {
		tags[i] = []int64{B, E}[i%2]
	}
	words, err := v.Decode(text, tags)
	require.NoError(t, err)
	require.Len(t, words, n/2)
	assert.Equal(t, "北京", words[n/2-1].Text)
}
