package lexical

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestDropLast(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"n-B", 2, "n"},
		{"O", 2, ""},
		{"O", 1, ""},
		{"", 1, ""},
		{"季节-I", 1, "季节-"},
		{"季节", 1, "季"},
		{"-S", 2, ""},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, dropLast(tt.in, tt.n), "%q[:-%d]", tt.in, tt.n)
	}
}

func TestTagHelpers(t *testing.T) {
	assert.Equal(t, "LOC", label("LOC-I"))
	assert.Equal(t, "", label("O"), "LAC reports the O tag as an empty label")
	assert.True(t, startsWord("n-B"))
	assert.True(t, startsWord("-S"))
	assert.True(t, startsWord("B"))
	assert.False(t, startsWord("n-I"))
	assert.False(t, startsWord("O"))
	assert.False(t, startsWord(""))
	assert.Equal(t, "n-B", withPos("n-I", 'B'))
	assert.Equal(t, "B", withPos("O", 'B'))
}

func TestExpand(t *testing.T) {
	tags := []string{"n-B", "O", "v-B"}
	assert.Equal(t, tags, expand(tags, nil))
	assert.Equal(t, []string{"n-B", "n-I", "n-I", "O", "v-B", "v-I"}, expand(tags, []int{3, 1, 2}))
	assert.Equal(t, []string{"O", "-I"}, expand([]string{"O"}, []int{2}))
}

func TestAssemble(t *testing.T) {
	tests := []struct {
		name, text string
		tags       []string
		words      []string
		labels     []string
	}{
		{"empty", "", nil, []string{}, []string{}},
		{"words", "今天是好日子", []string{"TIME-B", "TIME-I", "v-B", "n-B", "n-I", "n-I"},
			[]string{"今天", "是", "好日子"}, []string{"TIME", "v", "n"}},
		{"first char opens a word", "北京", []string{"LOC-I", "LOC-I"}, []string{"北京"}, []string{"LOC"}},
		{"label of the last char", "ab", []string{"n-B", "v-I"}, []string{"ab"}, []string{"v"}},
		{"O extends and empties the label", "a b", []string{"w-B", "O", "w-B"},
			[]string{"a ", "b"}, []string{"", "w"}},
		{"seg tags", "我爱北京", []string{"-S", "-S", "-B", "-E"}, []string{"我", "爱", "北京"}, []string{"", "", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, Result{Word: tt.words, Tag: tt.labels}, assemble(tt.text, tt.tags, true))
			assert.Equal(t, Result{Word: tt.words}, assemble(tt.text, tt.tags, false))
		})
	}
}
