package imgbatch

import (
	"context"
	"errors"
	stdimage "image"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gohub/gohub/internal/shared"
	"github.com/gohub/gohub/readers/dataset"
	"github.com/gohub/gohub/readers/picture"
)

// lcgImage is the generator of scripts/oracle/image_golden.py (and of pil_golden.py).
func lcgImage(width, height int, seed uint32) *picture.Image {
	im := picture.NewImage(width, height)
	state := seed
	for i := range im.Pix {
		state = (state*1103515245 + 12345) & (1<<31 - 1)
		im.Pix[i] = uint8(state >> 16)
	}
	return im
}

// writePNG stores im losslessly at path.
func writePNG(t testing.TB, path string, im *picture.Image) {
	t.Helper()
	rgba := stdimage.NewNRGBA(stdimage.Rect(0, 0, im.Width, im.Height))
	for i := range im.Width * im.Height {
		copy(rgba.Pix[4*i:4*i+3], im.Pix[3*i:3*i+3])
		rgba.Pix[4*i+3] = 255
	}
	f, err := os.Create(path)
	require.NoError(t, err)
	require.NoError(t, png.Encode(f, rgba))
	require.NoError(t, f.Close())
}

// fixture writes n small LCG pictures of varied sizes and returns them as examples.
func fixture(t testing.TB, n int) []dataset.Example {
	t.Helper()
	dir := t.TempDir()
	ex := make([]dataset.Example, n)
	for i := range ex {
		p := filepath.Join(dir, "img "+strconv.Itoa(i)+".png")
		writePNG(t, p, lcgImage(20+i%7, 15+i%5, uint32(i+1)))
		ex[i] = dataset.Example{Path: p, Label: int64(i % 3)}
	}
	return ex
}

// catdog returns the shared catdog data set or skips.
func catdog(t testing.TB) *dataset.CV {
	t.Helper()
	base, err := shared.Path("data", "catdog")
	if err != nil {
		t.Skipf("shared data absent: %v", err)
	}
	cv, err := dataset.LoadCV(base, dataset.CVFiles{})
	require.NoError(t, err)
	return cv
}

// snapshot is a batch's content, copied so that the batch can be released.
type snapshot struct {
	Images []float32
	Labels []int64
	Paths  []string
	Index  int
}

// collect runs an epoch to its end and returns copies of its batches.
func collect(t testing.TB, r *Reader, ex []dataset.Example, opt EpochOptions) []snapshot {
	t.Helper()
	it := r.Epoch(context.Background(), ex, opt)
	defer it.Close()
	var out []snapshot
	for {
		b, err := it.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		require.NoError(t, err)
		require.Len(t, b.Images, b.N*3*b.H*b.W)
		out = append(out, snapshot{
			Images: append([]float32(nil), b.Images...),
			Labels: append([]int64(nil), b.Labels...),
			Paths:  append([]string(nil), b.Paths...),
			Index:  b.Index,
		})
		b.Release()
	}
}

func newReader(t testing.TB, cfg Config) *Reader {
	t.Helper()
	r, err := NewReader(cfg)
	require.NoError(t, err)
	return r
}
