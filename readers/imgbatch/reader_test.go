package imgbatch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	stdimage "image"
	"image/jpeg"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gohub/gohub/readers/dataset"
	"github.com/gohub/gohub/readers/picture"
)

func paths(batches []snapshot) []string {
	var out []string
	for _, b := range batches {
		out = append(out, b.Paths...)
	}
	return out
}

func TestEpochShapes(t *testing.T) {
	ex := fixture(t, 23)
	r := newReader(t, Config{Width: 12, Height: 10, Workers: 3})
	all := collect(t, r, ex, EpochOptions{BatchSize: 4})
	require.Len(t, all, 6)
	for i, b := range all {
		assert.Equal(t, i, b.Index)
	}
	assert.Len(t, all[5].Paths, 3, "the last, short batch is kept")
	assert.Len(t, all[5].Images, 3*3*10*12)
	want := make([]string, len(ex))
	for i, e := range ex {
		want[i] = e.Path
	}
	assert.Equal(t, want, paths(all), "no shuffle: list order")
	assert.Equal(t, []int64{2, 0, 1}, all[5].Labels)

	dropped := collect(t, r, ex, EpochOptions{BatchSize: 4, DropLast: true})
	assert.Len(t, dropped, 5)
	assert.Equal(t, 5, EpochOptions{BatchSize: 4, DropLast: true}.NumBatches(23))

	shuffled := paths(collect(t, r, ex, EpochOptions{BatchSize: 4, Shuffle: true, Seed: 1}))
	assert.NotEqual(t, want, shuffled)
	sort.Strings(shuffled)
	sorted := append([]string(nil), want...)
	sort.Strings(sorted)
	assert.Equal(t, sorted, shuffled, "a shuffle is a permutation")
}

func TestEpochDeterministic(t *testing.T) {
	ex := fixture(t, 23)
	opt := EpochOptions{BatchSize: 4, Shuffle: true, Augment: true, Seed: 42, Epoch: 3}
	one := collect(t, newReader(t, Config{Width: 16, Height: 16, Workers: 1}), ex, opt)
	four := newReader(t, Config{Width: 16, Height: 16, Workers: 4, Prefetch: 1})
	assert.Equal(t, one, collect(t, four, ex, opt), "1 and 4 workers")
	assert.Equal(t, one, collect(t, four, ex, opt), "run twice")

	next := opt
	next.Epoch = 4
	assert.NotEqual(t, paths(one), paths(collect(t, four, ex, next)), "another epoch, another order")
	other := opt
	other.Seed = 43
	assert.NotEqual(t, paths(one), paths(collect(t, four, ex, other)), "another seed, another order")

	// The batch size does not change a sample's pixels: augmentation follows the sample.
	bs := opt
	bs.BatchSize = 5
	var a, b []float32
	for _, s := range one {
		a = append(a, s.Images...)
	}
	for _, s := range collect(t, four, ex, bs) {
		b = append(b, s.Images...)
	}
	assert.Equal(t, a, b)
}

func TestStartBatch(t *testing.T) {
	ex := fixture(t, 23)
	r := newReader(t, Config{Width: 16, Height: 16, Workers: 2})
	opt := EpochOptions{BatchSize: 4, Shuffle: true, Augment: true, Seed: 7, Epoch: 1}
	full := collect(t, r, ex, opt)
	for k := 0; k <= len(full); k++ {
		resumed := opt
		resumed.StartBatch = k
		assert.Equal(t, full[k:], nilIfEmpty(collect(t, r, ex, resumed)), "start at batch %d", k)
	}

	// Skipped batches are not decoded: their files may be missing.
	broken := append([]dataset.Example(nil), ex...)
	for i := range 8 {
		broken[i].Path = filepath.Join(t.TempDir(), "gone.png")
	}
	got := collect(t, r, broken, EpochOptions{BatchSize: 4, StartBatch: 2})
	assert.Len(t, got, 4)

	it := r.Epoch(context.Background(), ex, EpochOptions{BatchSize: 4, StartBatch: 7})
	_, err := it.Next()
	assert.ErrorContains(t, err, "start batch 7 outside the epoch's 6 batches")
	require.NoError(t, it.Close())
}

func nilIfEmpty(s []snapshot) []snapshot {
	if len(s) == 0 {
		return []snapshot{}
	}
	return s
}

// seedFor finds a seed whose first sample of epoch 0 gets an augmentation ok accepts.
func seedFor(t *testing.T, ok func(Augmentation) bool) uint64 {
	t.Helper()
	for s := range uint64(1 << 20) {
		if ok(SampleAugmentation(s, 0, 0)) {
			return s
		}
	}
	t.Fatal("no seed found")
	return 0
}

// plane returns the value of channel c at (x, y) of a one-image CHW tensor.
func at(im []float32, w, h, c, x, y int) float32 { return im[(c*h+y)*w+x] }

func TestAugmentTransformsPixels(t *testing.T) {
	const w, h = 16, 16
	dir := t.TempDir()
	path := filepath.Join(dir, "a.png")
	writePNG(t, path, lcgImage(29, 21, 9))
	ex := []dataset.Example{{Path: path}}
	r := newReader(t, Config{Width: w, Height: h, Workers: 1})
	plain := collect(t, r, ex, EpochOptions{BatchSize: 1})[0].Images
	augmented := func(seed uint64) []float32 {
		return collect(t, r, ex, EpochOptions{BatchSize: 1, Augment: true, Seed: seed})[0].Images
	}

	flipped := augmented(seedFor(t, func(a Augmentation) bool { return a.Op == Flip }))
	for c := range 3 {
		for y := range h {
			for x := range w {
				require.Equal(t, at(plain, w, h, c, w-1-x, y), at(flipped, w, h, c, x, y), "flip at %d,%d", x, y)
			}
		}
	}

	rot90 := augmented(seedFor(t, func(a Augmentation) bool { return a.Op == Rotate && a.Angle == 90 }))
	for c := range 3 {
		for y := range h {
			for x := range w {
				// anticlockwise: the output's top row is the input's right column
				require.Equal(t, at(plain, w, h, c, w-1-y, x), at(rot90, w, h, c, x, y), "rotate 90 at %d,%d", x, y)
			}
		}
	}

	oblique := augmented(seedFor(t, func(a Augmentation) bool { return a.Op == Rotate && a.Angle%90 > 20 && a.Angle%90 < 70 }))
	assert.NotEqual(t, plain, oblique)
	for c := range 3 {
		for _, p := range [][2]int{{0, 0}, {w - 1, 0}, {0, h - 1}, {w - 1, h - 1}} {
			assert.Zero(t, at(oblique, w, h, c, p[0], p[1]), "corner %v is black", p)
		}
	}
	centre := 0
	for c := range 3 {
		if at(oblique, w, h, c, w/2, h/2) != 0 {
			centre++
		}
	}
	assert.NotZero(t, centre, "the centre is picture")

	dark := augmented(seedFor(t, func(a Augmentation) bool { return a.Op == Brightness && a.Factor < 0.5 }))
	for i := range plain {
		require.LessOrEqual(t, dark[i], plain[i]*0.5+1.0/255)
	}
}

// The transform is uniform over all five, flip included (PaddleHub never flips).
func TestAugmentationDistribution(t *testing.T) {
	const n = 50000
	var count [numOps]int
	angles := map[int]bool{}
	for i := range n {
		a := SampleAugmentation(3, 1, i)
		count[a.Op]++
		switch a.Op {
		case Rotate:
			require.True(t, a.Angle >= 0 && a.Angle < 360)
			angles[a.Angle] = true
		case Brightness, Contrast, Saturation:
			require.True(t, a.Factor >= 0 && a.Factor < 1)
		}
	}
	for op, c := range count {
		assert.InDelta(t, n/5, c, n/5*0.05, "%v", Op(op))
	}
	assert.Len(t, angles, 360)
	assert.Equal(t, SampleAugmentation(3, 1, 17), SampleAugmentation(3, 1, 17))
	assert.NotEqual(t, SampleAugmentation(3, 1, 17), SampleAugmentation(3, 2, 17))
}

func TestBrokenImageNamed(t *testing.T) {
	ex := fixture(t, 9)
	bad := filepath.Join(t.TempDir(), "broken.jpg")
	require.NoError(t, os.WriteFile(bad, []byte("\xff\xd8\xff\xe0 not really a jpeg"), 0o644))
	ex[5].Path = bad
	ex[7].Path = filepath.Join(t.TempDir(), "missing.png")
	truncated := filepath.Join(t.TempDir(), "truncated.jpg")
	var buf bytes.Buffer
	require.NoError(t, jpeg.Encode(&buf, stdimage.NewGray(stdimage.Rect(0, 0, 64, 48)), nil))
	require.NoError(t, os.WriteFile(truncated, buf.Bytes()[:buf.Len()/2], 0o644))
	ex[2].Path = truncated
	r := newReader(t, Config{Width: 8, Height: 8, Workers: 3})
	it := r.Epoch(context.Background(), ex, EpochOptions{BatchSize: 4})
	defer it.Close()
	_, err := it.Next()
	var fe *picture.FileError
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, truncated, fe.Path)
	assert.Contains(t, err.Error(), truncated)
	t.Log(err)

	it = r.Epoch(context.Background(), ex, EpochOptions{BatchSize: 4, StartBatch: 1})
	defer it.Close()
	_, err = it.Next()
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, bad, fe.Path, "the first bad file of the batch, whichever worker failed first")
	assert.Contains(t, err.Error(), bad)
	_, again := it.Next()
	assert.Equal(t, err, again)
}

func TestCancelAndClose(t *testing.T) {
	ex := fixture(t, 40)
	r := newReader(t, Config{Width: 8, Height: 8, Workers: 2, Prefetch: 1})
	ctx, cancel := context.WithCancel(context.Background())
	it := r.Epoch(ctx, ex, EpochOptions{BatchSize: 2})
	_, err := it.Next()
	require.NoError(t, err)
	cancel()
	for err == nil {
		_, err = it.Next()
	}
	assert.ErrorIs(t, err, context.Canceled)
	require.NoError(t, it.Close())
	require.NoError(t, it.Close())

	// Closing before reading everything stops the workers.
	it = r.Epoch(context.Background(), ex, EpochOptions{BatchSize: 2})
	require.NoError(t, it.Close())
	_, err = it.Next()
	assert.ErrorIs(t, err, ErrClosed)

	it = r.Epoch(context.Background(), ex, EpochOptions{})
	_, err = it.Next()
	assert.ErrorContains(t, err, "batch size 0")
	require.NoError(t, it.Close())
}

func TestStatsAndRelease(t *testing.T) {
	ex := fixture(t, 24)
	r := newReader(t, Config{Width: 8, Height: 8, Workers: 2})
	it := r.Epoch(context.Background(), ex, EpochOptions{BatchSize: 1}) // many batches: under -race sync.Pool drops a quarter of them
	defer it.Close()
	seen := map[*float32]bool{}
	reused := 0
	for {
		b, err := it.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		if seen[&b.Images[0]] {
			reused++
		}
		seen[&b.Images[0]] = true
		time.Sleep(2 * time.Millisecond) // a training step
		b.Release()
		b.Release()
	}
	s := it.Stats()
	assert.Equal(t, 24, s.Batches)
	assert.Equal(t, 24, s.Images)
	assert.Greater(t, s.Wait, time.Duration(0))
	assert.GreaterOrEqual(t, s.Elapsed, s.Wait+48*time.Millisecond)
	assert.True(t, s.WaitShare() > 0 && s.WaitShare() < 1, "%v", s.WaitShare())
	assert.NotZero(t, reused, "released buffers come back")
}

// Config.Module runs a module's own recipe: the same tensor as readers/picture gives.
func TestModuleRecipe(t *testing.T) {
	ex := fixture(t, 3)
	pre := picture.Preprocess{ResizeShort: 20, Width: 16, Height: 12, Filter: picture.Lanczos,
		Normalize: picture.Normalize{Order: picture.BGR, Divisor: 255, Mean: [3]float64{0.5, 0.4, 0.3}, Std: [3]float64{0.2, 0.3, 0.4}}}
	r := newReader(t, Config{Module: &pre, Width: 99})
	got := collect(t, r, ex, EpochOptions{BatchSize: 3})
	require.Len(t, got, 1)
	want, err := pre.Load([]string{ex[0].Path, ex[1].Path, ex[2].Path})
	require.NoError(t, err)
	assert.Equal(t, want.Data, got[0].Images)
}

func TestNewReaderErrors(t *testing.T) {
	_, err := NewReader(Config{Width: -1})
	assert.ErrorContains(t, err, "must be positive")
	_, err = NewReader(Config{Order: picture.ChannelOrder{0, 0, 1}})
	assert.ErrorContains(t, err, "not a permutation")
	_, err = NewReader(Config{Std: [3]float64{1, 0, 1}})
	assert.ErrorContains(t, err, "std of channel 1")
	r, err := NewReader(Config{})
	require.NoError(t, err)
	p := r.Preprocess()
	assert.Equal(t, 224, p.Width)
	assert.Equal(t, 224, p.Height)
	assert.Equal(t, picture.Lanczos, p.Filter)
	assert.Equal(t, picture.RGB, p.Order)
	assert.Equal(t, [3]float64{1, 1, 1}, p.Std)
}

func TestCatDogBatches(t *testing.T) {
	cv := catdog(t)
	r := newReader(t, Config{Mean: [3]float64{0.485, 0.456, 0.406}, Std: [3]float64{0.229, 0.224, 0.225}})
	got := collect(t, r, cv.Train[:10], EpochOptions{BatchSize: 4, Shuffle: true, Augment: true, Seed: 1, DropLast: true})
	require.Len(t, got, 2)
	for _, b := range got {
		require.Len(t, b.Images, 4*3*224*224)
		for i, p := range b.Paths {
			want := int64(0)
			if filepath.Base(filepath.Dir(p)) == "dog" {
				want = 1
			}
			assert.Equal(t, want, b.Labels[i], p)
		}
		lo, hi := b.Images[0], b.Images[0]
		for _, v := range b.Images {
			lo, hi = min(lo, v), max(hi, v)
		}
		assert.Less(t, lo, float32(-1.5), "dark samples")
		assert.Greater(t, hi, float32(1.5), "bright samples")
	}
}

// BenchmarkEpoch measures decode + LANCZOS resize to 224x224 + normalise on the catdog
// photos, in images per second, with one worker and with one per CPU, and in images per
// CPU second. The cache is off, or every epoch after the first would skip the decoding measured here;
// BenchmarkEpochCached measures what a cached epoch costs.
func BenchmarkEpoch(b *testing.B) {
	cv := catdog(b)
	ex := cv.Train[:64]
	for _, workers := range []int{1, runtime.NumCPU()} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			benchEpochs(b, newReader(b, Config{Workers: workers, Mean: [3]float64{0.485, 0.456, 0.406},
				Std: [3]float64{0.229, 0.224, 0.225}, CacheBytes: NoCache}), ex, false)
		})
	}
}

// BenchmarkEpochCached is BenchmarkEpoch with the pictures in the cache (filled before the
// timer starts): the copy, augmentation and normalisation left of a training epoch after
// the first.
func BenchmarkEpochCached(b *testing.B) {
	cv := catdog(b)
	ex := cv.Train[:64]
	for _, augment := range []bool{false, true} {
		b.Run(fmt.Sprintf("augment=%v", augment), func(b *testing.B) {
			r := newReader(b, Config{Mean: [3]float64{0.485, 0.456, 0.406}, Std: [3]float64{0.229, 0.224, 0.225}})
			collect(b, r, ex, EpochOptions{BatchSize: 16})
			b.ResetTimer()
			benchEpochs(b, r, ex, augment)
		})
	}
}

// benchEpochs runs epochs over ex until b is done and reports images per second and per CPU
// second (all goroutines, GC included), which other jobs on the machine disturb less.
func benchEpochs(b *testing.B, r *Reader, ex []dataset.Example, augment bool) {
	images := 0
	cpu0 := cpuTime()
	for epoch := 0; b.Loop(); epoch++ {
		it := r.Epoch(context.Background(), ex, EpochOptions{BatchSize: 16, Augment: augment, Seed: 1, Epoch: epoch})
		for {
			bt, err := it.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			images += bt.N
			bt.Release()
		}
		it.Close()
	}
	b.ReportMetric(float64(images)/b.Elapsed().Seconds(), "images/s")
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(images)/cpu.Seconds(), "images/cpu-s")
	}
}
