package curves

import (
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// synthetic returns a falling loss and a rising accuracy: train every 10 steps, dev every 100.
func synthetic() Chart {
	var tx, tl, ta, dx, dl, da []float64
	for s := 10; s <= 1000; s += 10 {
		x := float64(s)
		tx, tl, ta = append(tx, x), append(tl, 2*math.Exp(-x/300)+0.05*math.Sin(x)), append(ta, 1-0.9*math.Exp(-x/250))
		if s%100 == 0 {
			dx, dl, da = append(dx, x), append(dl, 2.2*math.Exp(-x/300)), append(da, 0.95-0.9*math.Exp(-x/250))
		}
	}
	tl[5] = math.NaN() // left out, not an error
	return Chart{
		Title: "fine-tune curves",
		Panels: []Panel{
			{Title: "Loss", YLabel: "loss", Series: []Series{
				{Label: "train", X: tx, Y: tl}, {Label: "dev", X: dx, Y: dl, Marks: true}}},
			{Title: "acc", YLabel: "acc", Series: []Series{
				{Label: "train", X: tx, Y: ta}, {Label: "dev", X: dx, Y: da, Marks: true},
				{Label: "test", X: []float64{1000}, Y: []float64{0.9}}}},
		},
	}
}

func decode(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// count counts pixels of exactly colour c in each of n horizontal bands.
func count(img image.Image, c color.RGBA, n int) []int {
	b := img.Bounds()
	bands := make([]int, n)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if color.RGBAModel.Convert(img.At(x, y)).(color.RGBA) == c {
				bands[(y-b.Min.Y)*n/b.Dy()]++
			}
		}
	}
	return bands
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "curves.png")
	if err := WriteFile(path, synthetic()); err != nil {
		t.Fatal(err)
	}
	img := decode(t, path)
	if b := img.Bounds(); b.Dx() != 900 || b.Dy() != 2*360+titleHeight {
		t.Errorf("size %v, want 900x%d", b.Size(), 2*360+titleHeight)
	}
	// Train (blue) and dev (orange) in both panels; test (green) in the lower one only.
	// Bands: [title+upper half of the loss panel, ..., lower half of the acc panel].
	blue, orange, green := count(img, Palette[0], 2), count(img, Palette[1], 2), count(img, Palette[2], 2)
	t.Logf("pixels (upper, lower panel): train %v, dev %v, test %v", blue, orange, green)
	for _, c := range [][]int{blue, orange} {
		if c[0] < 200 || c[1] < 200 {
			t.Errorf("too few pixels of a series colour in a panel: %v", c)
		}
	}
	if green[0] != 0 || green[1] < 20 {
		t.Errorf("test series pixels %v, want only in the lower panel", green)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("%d files in the directory, want only curves.png", len(entries))
	}

	// Redrawn over the old file, with one panel and no dev series.
	c := synthetic()
	c.Panels = c.Panels[:1]
	c.Panels[0].Series = c.Panels[0].Series[:1]
	c.Width, c.Height = 640, 300
	if err := WriteFile(path, c); err != nil {
		t.Fatal(err)
	}
	img = decode(t, path)
	if b := img.Bounds(); b.Dx() != 640 || b.Dy() != 300+titleHeight {
		t.Errorf("size %v", b.Size())
	}
	if n := count(img, Palette[1], 1)[0]; n != 0 {
		t.Errorf("%d pixels of the dev colour without a dev series", n)
	}
	if n := count(img, Palette[0], 1)[0]; n < 200 {
		t.Errorf("%d pixels of the train colour", n)
	}
}

// Panels without data still draw (a run's first evaluation has not happened yet).
func TestEmpty(t *testing.T) {
	path := filepath.Join(t.TempDir(), "curves.png")
	err := WriteFile(path, Chart{Panels: []Panel{{Title: "Loss", Series: []Series{{Label: "train"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	decode(t, path)
	if err := WriteFile(path, Chart{}); err == nil {
		t.Error("a chart without panels was drawn")
	}
}
