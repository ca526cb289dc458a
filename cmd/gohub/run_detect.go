package main

import (
	"bufio"
	"fmt"

	"github.com/pkg/errors"
	"github.com/urfave/cli/v2"

	"github.com/gohub/gohub/hub"
	"github.com/gohub/gohub/hub/detect"
)

// runDetect runs an object-detection module on the images that o names and prints their
// objects.
func runDetect(c *cli.Context, o *runOptions) error {
	paths, err := imagePaths(o)
	switch {
	case err != nil:
	case o.image.topK != 0:
		err = errors.Errorf("--top_k is for image classification modules; %s detects objects", o.module)
	case o.image.threshSet && !(o.image.scoreThresh >= 0 && o.image.scoreThresh <= 1):
		err = errors.Errorf("--score_thresh %v: want a number from 0 to 1", o.image.scoreThresh)
	case o.image.outputDir == "":
		err = errors.New("--output_dir must not be empty")
	}
	if err != nil {
		return usageErrorf("gohub run: %v", err)
	}
	batch := detect.DefaultBatchSize
	if o.image.batchSet {
		batch = o.batchSize
	}
	opts := []hub.Option{hub.WithThreads(o.threads), hub.WithBatchSize(batch)}
	if o.image.threshSet {
		opts = append(opts, hub.WithScoreThreshold(o.image.scoreThresh))
	}
	if o.image.visualize {
		opts = append(opts, hub.WithVisualization(o.image.outputDir))
	}
	m, err := loadForRun(o, opts)
	if err != nil {
		return err
	}
	defer m.Close()
	return printInChunks(c, o.output == "json", paths, batch*o.threads, m.Detect, printDetections)
}

// printDetections prints "path: N objects", one indented line per object and where the
// drawn image went.
func printDetections(w *bufio.Writer, _ []string, res []detect.Result) error {
	for _, r := range res {
		noun := "objects"
		if len(r.Data) == 1 {
			noun = "object"
		}
		fmt.Fprintf(w, "%s: %d %s\n", r.Path, len(r.Data), noun)
		for _, d := range r.Data {
			fmt.Fprintf(w, "  %s %.4f (%.1f, %.1f, %.1f, %.1f)\n", d.Label, d.Confidence, d.Left, d.Top, d.Right, d.Bottom)
		}
		if r.SavePath != "" {
			fmt.Fprintf(w, "  drawn: %s\n", r.SavePath)
		}
	}
	return nil
}
