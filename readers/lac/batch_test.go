package lac

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewBatch(t *testing.T) {
	v := testVocab(t)
	tests := []struct {
		name  string
		texts []string
		ids   []int64
		lod   []uint
	}{
		{"none", nil, []int64{}, []uint{0}},
		{"one", []string{"我爱"}, []int64{1, 2}, []uint{0, 2}},
		{"two", []string{"我爱", "北京a"}, []int64{1, 2, 3, 4, 5}, []uint{0, 2, 5}},
		{"blank skipped", []string{"", "我", " \t\n", "爱"}, []int64{1, 2}, []uint{0, 1, 2}},
		{"all blank", []string{"", "  "}, []int64{}, []uint{0}},
		{"inner spaces kept", []string{" 我 "}, []int64{0, 1, 0}, []uint{0, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := v.NewBatch(tt.texts)
			require.NoError(t, err)
			assert.Equal(t, tt.ids, b.IDs)
			assert.Equal(t, tt.lod, b.LoD)
			assert.Equal(t, len(tt.texts), b.Len())
			assert.Equal(t, len(tt.ids) == 0, b.Empty())
			assert.Equal(t, []int32{int32(len(tt.ids)), 1}, b.Shape())
		})
	}
}

func TestNewBatchInvalidUTF8(t *testing.T) {
	_, err := testVocab(t).NewBatch([]string{"ok", "bad\xff"})
	assert.ErrorContains(t, err, "text 1 is not valid UTF-8")
}

func TestDecodeBatch(t *testing.T) {
	v := testVocab(t)
	b, err := v.NewBatch([]string{"我爱", "", "北京"})
	require.NoError(t, err)
	tags := []int64{S, S, B, E}

	got, err := v.DecodeBatch(b, tags, []uint{0, 2, 4})
	require.NoError(t, err)
	require.Len(t, got, 3)
	assert.Equal(t, []string{"我", "爱"}, Texts(got[0]))
	assert.Empty(t, got[1])
	assert.Equal(t, []string{"北京"}, Texts(got[2]))

	_, err = v.DecodeBatch(b, tags, nil)
	assert.NoError(t, err, "nil LoD skips the check")
	_, err = v.DecodeBatch(b, tags[:3], nil)
	assert.ErrorContains(t, err, "3 tags for 4 characters")
	_, err = v.DecodeBatch(b, tags, []uint{0, 1, 4})
	assert.ErrorContains(t, err, "differs from input LoD")
	_, err = v.DecodeBatch(b, []int64{S, S, B, 9}, nil)
	assert.ErrorContains(t, err, "text 2")
}

func TestDecodeBatchAllBlank(t *testing.T) {
	v := testVocab(t)
	b, err := v.NewBatch([]string{"", " "})
	require.NoError(t, err)
	got, err := v.DecodeBatch(b, nil, []uint{0})
	require.NoError(t, err)
	assert.Equal(t, [][]Word{nil, nil}, got)
}

func TestBatchLong(t *testing.T) {
	v := realVocab(t)
	text := strings.Repeat("我爱北京天安门", 100_000/7+1)
	b, err := v.NewBatch([]string{text})
	require.NoError(t, err)
	n := len([]rune(text))
	assert.Len(t, b.IDs, n)
	assert.Equal(t, []uint{0, uint(n)}, b.LoD)
	assert.NotContains(t, b.IDs, v.OOVID())
}
