package paddle

import (
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSegmentLAC(t *testing.T) {
	pred := newLACPredictor(t)
	v := lacVocab(t)
	tests := []struct {
		text string
		want []string
	}{
		{"我爱北京天安门", []string{"我", "爱", "北京", "天安门"}},
		// The sentence checked against a reference forward pass (paddle_formats.md §3.3).
		{"我爱北京天安门今天天气很好我们去公园玩",
			[]string{"我", "爱", "北京", "天安门", "今天", "天气", "很好", "我们", "去", "公园", "玩"}},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			assert.Equal(t, [][]string{tt.want}, segment(t, pred, v, tt.text))
		})
	}
}

func TestSegmentBatch(t *testing.T) {
	pred := newLACPredictor(t)
	v := lacVocab(t)
	texts := []string{"我爱北京天安门", "", "今天天气很好", "  "}
	got := segment(t, pred, v, texts...)
	require.Len(t, got, len(texts))
	assert.Equal(t, []string{"我", "爱", "北京", "天安门"}, got[0])
	assert.Empty(t, got[1])
	assert.Equal(t, strings.Join(segment(t, pred, v, texts[2])[0], "/"), strings.Join(got[2], "/"),
		"a text segments the same alone and in a batch")
	assert.Empty(t, got[3])
	blank := segment(t, pred, v, "")
	require.Len(t, blank, 1)
	assert.Empty(t, blank[0], "a blank text never reaches the model")
}

// One predictor per goroutine through Clone; run under -race.
func TestCloneConcurrent(t *testing.T) {
	pred := newLACPredictor(t)
	v := lacVocab(t)
	texts := []string{"我爱北京天安门", "今天天气很好", "我们去公园玩"}
	want := make([][]string, len(texts))
	for i, text := range texts {
		want[i] = segment(t, pred, v, text)[0]
	}

	const goroutines, runs = 8, 50
	clones := make([]*Predictor, goroutines)
	for i := range clones {
		c, err := pred.Clone()
		require.NoError(t, err)
		t.Cleanup(c.Destroy)
		clones[i] = c
	}
	var wg sync.WaitGroup
	for g, clone := range clones {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range runs {
				i := (g + r) % len(texts)
				got, err := segmentTexts(clone, v, texts[i])
				if !assert.NoError(t, err) || !assert.Equal(t, [][]string{want[i]}, got, "goroutine %d run %d", g, r) {
					return
				}
			}
		}()
	}
	wg.Wait()
}

// A long text is one long sequence; 100k characters work too but take seconds on the CPU
// (readers/lac tests that length without the model).
func TestSegmentLong(t *testing.T) {
	pred := newLACPredictor(t)
	v := lacVocab(t)
	const repeats = 3000
	got := segment(t, pred, v, strings.Repeat("我爱北京天安门", repeats))
	require.Len(t, got, 1)
	require.Len(t, got[0], 4*repeats)
	assert.Equal(t, []string{"我", "爱", "北京", "天安门"}, got[0][4*repeats-4:])
}
