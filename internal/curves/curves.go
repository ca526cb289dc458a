// Package curves draws training curves (values against the training step) as a PNG with
// gonum/plot: one panel per quantity, stacked, each with its title, axis labels and legend.
package curves

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Palette holds the default colours of a panel's series, in order (matplotlib's first
// three: blue, orange, green), so train, dev and test look as in most training plots.
var Palette = []color.RGBA{
	{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff},
	{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff},
	{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff},
	{R: 0xd6, G: 0x27, B: 0x28, A: 0xff},
	{R: 0x94, G: 0x67, B: 0xbd, A: 0xff},
}

// Series is one curve: Y[i] at step X[i]. Points that are not finite are left out.
type Series struct {
	Label string
	X, Y  []float64
	Color color.Color // nil: Palette by the series' index in its panel
	Marks bool        // also mark every point (for sparse series, such as evaluations)
}

// Panel is one chart.
type Panel struct {
	Title  string
	XLabel string // "" is "step"
	YLabel string
	Series []Series
}

// Chart is the whole picture: a title over panels stacked top to bottom.
type Chart struct {
	Title  string
	Panels []Panel
	Width  int // pixels; 0 is 900
	Height int // pixels per panel; 0 is 360
}

const (
	dpi         = vgimg.DefaultDPI
	titleHeight = 36 // pixels
	legendGap   = 12 // pixels between the data and its legend
)

func px(n int) vg.Length { return vg.Length(n) * vg.Inch / dpi }

// Encode draws c as a PNG to w.
func Encode(w io.Writer, c Chart) error {
	width, height := c.Width, c.Height
	if width <= 0 {
		width = 900
	}
	if height <= 0 {
		height = 360
	}
	if len(c.Panels) == 0 {
		return fmt.Errorf("curves: no panels")
	}
	total := height*len(c.Panels) + titleHeight
	canvas := vgimg.NewWith(vgimg.UseWH(px(width), px(total)), vgimg.UseDPI(dpi),
		vgimg.UseBackgroundColor(color.White))
	dc := draw.New(canvas)

	// Legends go right of the data, in a margin as wide as the widest, so they hide no curve.
	plots := make([][]*plot.Plot, len(c.Panels))
	var legend vg.Length
	for i, p := range c.Panels {
		pl, err := panel(p)
		if err != nil {
			return err
		}
		plots[i] = []*plot.Plot{pl}
		r := pl.Legend.Rectangle(dc)
		pl.Legend.XOffs = r.Size().X + px(legendGap)
		legend = max(legend, r.Size().X)
	}
	area := dc
	area.Max.Y -= px(titleHeight)
	tiles := draw.Tiles{Rows: len(c.Panels), Cols: 1, PadX: px(12), PadY: px(12), PadTop: px(4),
		PadBottom: px(8), PadLeft: px(8), PadRight: legend + px(2*legendGap)}
	for i, cv := range plot.Align(plots, tiles, area) {
		plots[i][0].Draw(cv[0])
	}
	if c.Title != "" {
		dc.FillText(draw.TextStyle{
			Color:   color.Black,
			Font:    font.From(plot.DefaultFont, 15),
			Handler: plot.DefaultTextHandler,
			XAlign:  draw.XCenter,
			YAlign:  draw.YCenter,
		}, vg.Point{X: (dc.Min.X + dc.Max.X) / 2, Y: dc.Max.Y - px(titleHeight)/2}, c.Title)
	}
	_, err := vgimg.PngCanvas{Canvas: canvas}.WriteTo(w)
	return err
}

func panel(p Panel) (*plot.Plot, error) {
	pl := plot.New()
	pl.Title.Text = p.Title
	pl.X.Label.Text = p.XLabel
	if pl.X.Label.Text == "" {
		pl.X.Label.Text = "step"
	}
	pl.Y.Label.Text = p.YLabel
	pl.Add(plotter.NewGrid())
	pl.Legend.Top = true
	for i, s := range p.Series {
		xys := finite(s.X, s.Y)
		if len(xys) == 0 {
			continue
		}
		col := s.Color
		if col == nil {
			col = Palette[i%len(Palette)]
		}
		line, err := plotter.NewLine(xys)
		if err != nil {
			return nil, fmt.Errorf("curves: %s: %w", s.Label, err)
		}
		line.Color, line.Width = col, vg.Points(1.5)
		pl.Add(line)
		thumbs := []plot.Thumbnailer{line}
		if s.Marks || len(xys) == 1 {
			sc, err := plotter.NewScatter(xys)
			if err != nil {
				return nil, fmt.Errorf("curves: %s: %w", s.Label, err)
			}
			sc.GlyphStyle = draw.GlyphStyle{Color: col, Radius: vg.Points(3), Shape: draw.CircleGlyph{}}
			pl.Add(sc)
			thumbs = append(thumbs, sc)
		}
		if s.Label != "" {
			pl.Legend.Add(s.Label, thumbs...)
		}
	}
	return pl, nil
}

// finite pairs x and y, leaving out points that are not finite.
func finite(x, y []float64) plotter.XYs {
	n := min(len(x), len(y))
	xys := make(plotter.XYs, 0, n)
	for i := range n {
		if isFinite(x[i]) && isFinite(y[i]) {
			xys = append(xys, plotter.XY{X: x[i], Y: y[i]})
		}
	}
	return xys
}

func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// WriteFile draws c to the PNG file path atomically: into a temporary file in the same
// directory, renamed over path when complete, so a reader never sees half a picture.
func WriteFile(path string, c Chart) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // fails harmlessly after the rename
	if err := Encode(tmp, c); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
