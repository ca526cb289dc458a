package main

import (
	"bufio"
	"fmt"

	"github.com/pkg/errors"
	"github.com/urfave/cli/v2"

	"github.com/gohub/gohub/hub"
	"github.com/gohub/gohub/hub/facedet"
)

const faceRunHelp = `Runs a face module (pyramidbox_lite_mobile, pyramidbox_lite_mobile_mask) on image files
and prints each one's faces: box (left, top, right, bottom, in pixels) and confidence; the
mask module labels each face MASK or NO MASK, with that label's probability:

   gohub run pyramidbox_lite_mobile_mask --input_path face.jpg --visualization
   face.jpg: 1 face
     NO MASK 0.9999 (177, 57, 271, 177)
     drawn: detection_result/face.jpg

--confs_threshold keeps faces whose detector confidence exceeds it (default 0.6);
--shrink resizes images by that factor before detection (default 0.5), as PaddleHub's.
--visualization and --output_dir as for detection (the mask module draws MASK green and
NO MASK red). --output json prints PaddleHub's result: a list with one {"data": [{"label",
"confidence", "left", "top", "right", "bottom"}, ...], "path": ...} per image.`

func faceRunFlags() []cli.Flag {
	return []cli.Flag{
		&cli.Float64Flag{Name: "confs_threshold", Value: facedet.DefaultConfThreshold, Usage: "keep faces more confident than `C` (face modules)"},
		&cli.Float64Flag{Name: "shrink", Value: facedet.DefaultShrink, Usage: "resize images by `F` before face detection (face modules)"},
	}
}

// faceRunOptions are the flags only face modules read.
type faceRunOptions struct {
	confs, shrink       float64
	confsSet, shrinkSet bool
}

func readFaceFlags(c, late *cli.Context, given map[string]bool) faceRunOptions {
	pick := func(name string) *cli.Context {
		if given[name] {
			return late
		}
		return c
	}
	return faceRunOptions{
		confs: pick("confs_threshold").Float64("confs_threshold"), confsSet: given["confs_threshold"] || c.IsSet("confs_threshold"),
		shrink: pick("shrink").Float64("shrink"), shrinkSet: given["shrink"] || c.IsSet("shrink"),
	}
}

// runFaces runs a face module on the images that o names and prints their faces.
func runFaces(c *cli.Context, o *runOptions) error {
	paths, err := imagePaths(o)
	switch {
	case err != nil:
	case o.image.topK != 0 || o.image.threshSet:
		err = errors.Errorf("--top_k and --score_thresh are not for face modules; %s takes --confs_threshold", o.module)
	case o.face.confsSet && !(o.face.confs >= 0 && o.face.confs <= 1):
		err = errors.Errorf("--confs_threshold %v: want a number from 0 to 1", o.face.confs)
	case o.face.shrinkSet && !(o.face.shrink > 0 && o.face.shrink <= 10):
		err = errors.Errorf("--shrink %v: want a factor above 0 and at most 10", o.face.shrink)
	case o.image.outputDir == "":
		err = errors.New("--output_dir must not be empty")
	}
	if err != nil {
		return usageErrorf("gohub run: %v", err)
	}
	batch := 1 // pictures of different sizes run one by one
	if o.image.batchSet {
		batch = o.batchSize
	}
	opts := []hub.Option{hub.WithThreads(o.threads), hub.WithBatchSize(batch)}
	if o.face.confsSet {
		opts = append(opts, hub.WithConfsThreshold(o.face.confs))
	}
	if o.face.shrinkSet {
		opts = append(opts, hub.WithShrink(o.face.shrink))
	}
	if o.image.visualize {
		opts = append(opts, hub.WithFaceVisualization(o.image.outputDir))
	}
	m, err := loadForRun(o, opts)
	if err != nil {
		return err
	}
	defer m.Close()
	return printInChunks(c, o.output == "json", paths, batch*o.threads, m.DetectFaces, printFaces)
}

// printFaces prints, per picture, "path: N faces" and one indented line per face.
func printFaces(w *bufio.Writer, _ []string, res []facedet.Result) error {
	for _, r := range res {
		noun := "faces"
		if len(r.Data) == 1 {
			noun = "face"
		}
		fmt.Fprintf(w, "%s: %d %s\n", r.Path, len(r.Data), noun)
		for _, f := range r.Data {
			if f.Label != "" {
				fmt.Fprintf(w, "  %s %.4f (%d, %d, %d, %d)\n", f.Label, f.Confidence, f.Left, f.Top, f.Right, f.Bottom)
			} else {
				fmt.Fprintf(w, "  face %.4f (%d, %d, %d, %d)\n", f.Confidence, f.Left, f.Top, f.Right, f.Bottom)
			}
		}
		if r.SavePath != "" {
			fmt.Fprintf(w, "  drawn: %s\n", r.SavePath)
		}
	}
	return nil
}
