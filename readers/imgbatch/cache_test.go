package imgbatch

import (
	"fmt"
	"math"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gohub/gohub/readers/dataset"
)

// epochs collects epochs 0..n-1 of a shuffled, possibly augmented run.
func epochs(t *testing.T, r *Reader, ex []dataset.Example, n int, augment bool) [][]snapshot {
	t.Helper()
	out := make([][]snapshot, n)
	for e := range out {
		out[e] = collect(t, r, ex, EpochOptions{BatchSize: 5, Shuffle: true, Augment: augment, Seed: 7, Epoch: e})
	}
	return out
}

// sameEpochs fails unless got equals want bit for bit, naming the first difference (a
// plain require.Equal would print, and diff, every value of the tensors).
func sameEpochs(t *testing.T, want, got [][]snapshot, msg string) {
	t.Helper()
	require.Len(t, got, len(want), msg)
	for e := range want {
		require.Len(t, got[e], len(want[e]), "%s: epoch %d", msg, e)
		for b := range want[e] {
			w, g := want[e][b], got[e][b]
			require.Equal(t, w.Paths, g.Paths, "%s: epoch %d batch %d", msg, e, b)
			require.Equal(t, w.Labels, g.Labels, "%s: epoch %d batch %d", msg, e, b)
			require.Len(t, g.Images, len(w.Images), "%s: epoch %d batch %d", msg, e, b)
			for i := range w.Images {
				if math.Float32bits(w.Images[i]) != math.Float32bits(g.Images[i]) {
					t.Fatalf("%s: epoch %d batch %d value %d: got %v, want %v", msg, e, b, i, g.Images[i], w.Images[i])
				}
			}
		}
	}
}

// inPlaceOps counts the samples of epochs 0..n-2 whose transform works in place on the
// picture: were the cache's picture handed to it, a later epoch would see the change.
func inPlaceOps(n, epochs int) int {
	count := 0
	for e := range epochs - 1 {
		for i := range n {
			if op := SampleAugmentation(7, e, i).Op; op != Rotate {
				count++
			}
		}
	}
	return count
}

func TestCacheBitIdentical(t *testing.T) {
	ex := fixture(t, 23)
	for _, augment := range []bool{false, true} {
		off := newReader(t, Config{Width: 16, Height: 12, Workers: 3, CacheBytes: NoCache})
		on := newReader(t, Config{Width: 16, Height: 12, Workers: 3})
		want := epochs(t, off, ex, 3, augment)
		got := epochs(t, on, ex, 3, augment)
		sameEpochs(t, want, got, fmt.Sprintf("augment %v", augment))

		assert.Equal(t, CacheStats{}, off.CacheStats())
		s := on.CacheStats()
		assert.Equal(t, CacheStats{Pictures: 23, Bytes: 23 * 3 * 16 * 12, Budget: DefaultCacheBytes,
			Hits: 2 * 23, Misses: 23}, s, "only the first epoch decodes")
	}
	require.Positive(t, inPlaceOps(23, 3), "the augmented epochs must include transforms that write in place")
}

// TestCacheBudget: the cache keeps the pictures that fit, the others are decoded every
// epoch, and the tensors do not change.
func TestCacheBudget(t *testing.T) {
	ex := fixture(t, 11)
	const picture = 3 * 16 * 12
	off := newReader(t, Config{Width: 16, Height: 12, CacheBytes: NoCache})
	on := newReader(t, Config{Width: 16, Height: 12, CacheBytes: 4*picture + picture/2})
	sameEpochs(t, epochs(t, off, ex, 2, true), epochs(t, on, ex, 2, true), "budget")
	assert.Equal(t, CacheStats{Pictures: 4, Bytes: 4 * picture, Budget: 4*picture + picture/2,
		Hits: 4, Misses: 11 + 7}, on.CacheStats())
}

// TestCacheRewrittenFile: a picture rewritten after it was cached is decoded again.
func TestCacheRewrittenFile(t *testing.T) {
	ex := fixture(t, 3)
	r := newReader(t, Config{Width: 16, Height: 12, Workers: 1})
	opt := EpochOptions{BatchSize: 3}
	before := collect(t, r, ex, opt)

	writePNG(t, ex[1].Path, lcgImage(20, 15, 99))
	later := time.Now().Add(time.Hour)
	require.NoError(t, os.Chtimes(ex[1].Path, later, later))
	got := collect(t, r, ex, opt)
	want := collect(t, newReader(t, Config{Width: 16, Height: 12, CacheBytes: NoCache}), ex, opt)
	sameEpochs(t, [][]snapshot{want}, [][]snapshot{got}, "rewritten")
	require.NotEqual(t, before[0].Images[3*16*12:2*3*16*12], got[0].Images[3*16*12:2*3*16*12], "the new picture differs")
	s := r.CacheStats()
	assert.Equal(t, int64(2), s.Hits)
	assert.Equal(t, int64(4), s.Misses)
	assert.Equal(t, 3, s.Pictures)
}

// TestCacheCatDog: JPEG photos through the default recipe, augmented, over two epochs.
func TestCacheCatDog(t *testing.T) {
	cv := catdog(t)
	ex := cv.Train[:12]
	cfg := Config{Mean: [3]float64{0.485, 0.456, 0.406}, Std: [3]float64{0.229, 0.224, 0.225}}
	on := newReader(t, cfg)
	cfg.CacheBytes = NoCache
	off := newReader(t, cfg)
	for e := range 2 {
		opt := EpochOptions{BatchSize: 4, Shuffle: true, Augment: true, Seed: 3, Epoch: e}
		sameEpochs(t, [][]snapshot{collect(t, off, ex, opt)}, [][]snapshot{collect(t, on, ex, opt)}, fmt.Sprintf("epoch %d", e))
	}
	assert.Equal(t, int64(12), on.CacheStats().Hits)
}
