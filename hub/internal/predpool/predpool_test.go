package predpool

import (
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/pkg/errors"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gohub/gohub/hub/internal/modelload"
	"github.com/gohub/gohub/internal/shared"
	"github.com/gohub/gohub/paddle"
)

func newPool(t *testing.T, n int) *Pool {
	t.Helper()
	dir, err := shared.Path("models", "simple_conv_bn_relu")
	if err != nil {
		t.Skipf("shared models absent: %v", err)
	}
	first, err := modelload.Open("test", modelload.Model{Program: filepath.Join(dir, "model.pdmodel"),
		Params: filepath.Join(dir, "model.pdiparams")}, modelload.Device{})
	require.NoError(t, err)
	p, err := New(first, n)
	require.NoError(t, err)
	t.Cleanup(p.Close)
	return p
}

func TestRunCoversEveryItemOnceOnDistinctPredictors(t *testing.T) {
	p := newPool(t, 3)
	var mu sync.Mutex
	var spans [][2]int
	inUse := map[*paddle.Predictor]bool{}
	err := p.Run(10, 3, func(pred *paddle.Predictor, lo, hi int) error {
		mu.Lock()
		assert.False(t, inUse[pred], "a predictor serves one batch at a time")
		inUse[pred] = true
		spans = append(spans, [2]int{lo, hi})
		mu.Unlock()
		time.Sleep(time.Millisecond) // let the other goroutines overlap this batch
		mu.Lock()
		inUse[pred] = false
		mu.Unlock()
		return nil
	})
	require.NoError(t, err)
	sort.Slice(spans, func(i, j int) bool { return spans[i][0] < spans[j][0] })
	assert.Equal(t, [][2]int{{0, 3}, {3, 6}, {6, 9}, {9, 10}}, spans)
	require.NoError(t, p.Run(0, 3, func(*paddle.Predictor, int, int) error {
		t.Error("no batch for no items")
		return nil
	}))
}

func TestRunStopsAtTheFirstError(t *testing.T) {
	p := newPool(t, 1)
	boom := errors.New("boom")
	calls := 0
	err := p.Run(10, 2, func(_ *paddle.Predictor, lo, _ int) error {
		calls++
		if lo == 4 {
			return boom
		}
		return nil
	})
	assert.ErrorIs(t, err, boom)
	assert.Equal(t, 3, calls, "one predictor: batches run in order and stop at the failing one")
}

func TestClosedPool(t *testing.T) {
	p := newPool(t, 2)
	p.Close()
	p.Close()
	assert.ErrorIs(t, p.Run(1, 1, func(*paddle.Predictor, int, int) error { return nil }), ErrClosed)
}
