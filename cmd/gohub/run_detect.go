package main

import (
	"bufio"
	"encoding/json"
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
	return printInChunks(c, o.output == "json", paths, batch*o.threads, m.Detect,
		func(w *bufio.Writer, _ []string, res []detect.Result, more bool) error {
			return printDetections(w, o.output == "json", more, res)
		})
}

// printDetections prints "path: N objects", one indented line per object and where the
// drawn image went, or the elements of the JSON list; more says elements came before.
func printDetections(w *bufio.Writer, asJSON, more bool, res []detect.Result) error {
	for i, r := range res {
		if asJSON {
			b, err := json.Marshal(r)
			if err != nil {
				return err
			}
			if more || i > 0 {
				w.WriteByte(',')
			}
			w.Write(b)
			continue
		}
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
	// Flushing each chunk streams the results of a long list as they come.
	return w.Flush()
}
