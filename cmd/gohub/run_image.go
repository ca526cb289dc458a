package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/pkg/errors"
	"github.com/urfave/cli/v2"

	"github.com/gohub/gohub/hub"
	"github.com/gohub/gohub/hub/detect"
	"github.com/gohub/gohub/hub/imgcls"
	"github.com/gohub/gohub/readers/picture"
)

const imageRunHelp = `Runs an image-classification module (shufflenet_v2_imagenet, resnet_v2_50_imagenet) on
image files and prints each one's top classes, most probable first:

   gohub run shufflenet_v2_imagenet --input_path cat.jpg --top_k 3
   cat.jpg: tabby (0.6463), Egyptian cat (0.2373), tiger cat (0.0820)

--input_path may be repeated or hold a comma-separated list; --input_file reads one image
path per line ("-": standard input; blank lines are skipped). --output json prints
PaddleHub's result: a list with one {"label": probability, ...} per picture. --batch_size is
1 unless given, as in PaddleHub.

Runs an object-detection module (ssd_mobilenet_v1_pascal) on image files and prints each
one's objects: label, confidence and box (left, top, right, bottom, in pixels):

   gohub run ssd_mobilenet_v1_pascal --input_path street.jpg --visualization
   street.jpg: 2 objects
     car 0.9312 (12.0, 34.0, 300.5, 280.1)
     person 0.8120 (310.2, 40.7, 355.0, 200.3)
     drawn: detection_result/street.jpg

--score_thresh drops objects scoring below it (default: the module's, else 0.5).
--visualization saves each image with its boxes drawn (red, with a "label: 93.12%" caption)
as --output_dir/<name> (default detection_result) in the image's own format. --output json
prints PaddleHub's result: a list with one {"data": [{"label", "confidence", "left", "top",
"right", "bottom"}, ...], "path": ..., "save_path": ...} per picture.`

func imageRunFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringSliceFlag{Name: "input_path", Usage: "run on the image `FILE` (image modules; repeat or separate with commas)", TakesFile: true},
		&cli.IntFlag{Name: "top_k", Usage: "print the `K` most probable classes per image (image modules; default: the module's, else 1)"},
		&cli.Float64Flag{Name: "score_thresh", Value: detect.DefaultScoreThreshold, Usage: "drop objects scoring below `S` (detection modules; default: the module's, else 0.5)"},
		&cli.BoolFlag{Name: "visualization", Usage: "save each image with its boxes drawn under --output_dir (detection modules)"},
		&cli.StringFlag{Name: "output_dir", Value: detect.DefaultOutputDir, Usage: "where --visualization saves images: `DIR` (detection modules)", TakesFile: true},
	}
}

// imageRunOptions are the flags only image modules read.
type imageRunOptions struct {
	paths    []string
	topK     int
	batchSet bool // --batch_size given: image modules otherwise use imgcls.DefaultBatchSize

	// object detection
	scoreThresh                float64
	threshSet, visualize       bool
	outputDir                  string
	visualizeSet, outputDirSet bool
}

// detectionFlags says which detection-only flags were given, for an error on other kinds.
func (o imageRunOptions) detectionFlags() bool {
	return o.threshSet || o.visualizeSet || o.outputDirSet
}

// readImageFlags reads the image flags from the context that holds them (see readRunFlags).
func readImageFlags(c, late *cli.Context, given map[string]bool) imageRunOptions {
	pick := func(name string) *cli.Context {
		if given[name] {
			return late
		}
		return c
	}
	o := imageRunOptions{topK: pick("top_k").Int("top_k"), batchSet: given["batch_size"] || c.IsSet("batch_size")}
	o.scoreThresh = pick("score_thresh").Float64("score_thresh")
	o.threshSet = given["score_thresh"] || c.IsSet("score_thresh")
	o.visualize = pick("visualization").Bool("visualization")
	o.visualizeSet = given["visualization"] || c.IsSet("visualization")
	o.outputDir = pick("output_dir").String("output_dir")
	o.outputDirSet = given["output_dir"] || c.IsSet("output_dir")
	for _, v := range append(c.StringSlice("input_path"), late.StringSlice("input_path")...) {
		o.paths = append(o.paths, splitPaths(v)...)
	}
	return o
}

// splitPaths splits a comma-separated list, unless the whole value names a file: a file
// name may hold a comma.
func splitPaths(v string) []string {
	if _, err := os.Stat(v); err == nil || !strings.Contains(v, ",") {
		return []string{v}
	}
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// runImage classifies the images that o names and prints their results.
func runImage(c *cli.Context, o *runOptions) error {
	paths, err := imagePaths(o)
	if err == nil && o.image.detectionFlags() {
		err = errors.Errorf("--score_thresh, --visualization and --output_dir are for object detection modules; %s classifies images", o.module)
	}
	if err != nil {
		return usageErrorf("gohub run: %v", err)
	}
	batch := imgcls.DefaultBatchSize
	if o.image.batchSet {
		batch = o.batchSize
	}
	opts := []hub.Option{hub.WithThreads(o.threads), hub.WithTopK(o.image.topK), hub.WithBatchSize(batch)}
	m, err := loadForRun(o, opts)
	if err != nil {
		return err
	}
	defer m.Close()
	return printInChunks(c, o.output == "json", paths, batch*o.threads, m.Classify, printImageResults)
}

// printInChunks runs the pictures through run a chunk at a time (the module's batches of
// them, in parallel) and streams each chunk's results to c's writer as they come: what
// print makes of them, or with asJSON the elements of one JSON array in all. A picture that
// cannot be read or decoded is reported on stderr with its error, every other picture's
// result still prints, and the run exits 2 at the end.
func printInChunks[R any](c *cli.Context, asJSON bool, paths []string, chunk int,
	run func(part []string) ([]R, error),
	print func(w *bufio.Writer, part []string, res []R) error) error {
	w := bufio.NewWriter(c.App.Writer)
	if asJSON {
		w.WriteByte('[')
	}
	more, failed := false, 0
	// each runs and prints part; a bad picture comes back as bad, other failures as err.
	each := func(part []string) (bad, err error) {
		res, err := run(part)
		var file *picture.FileError
		if errors.As(err, &file) {
			return err, nil
		}
		if err != nil {
			return nil, cli.Exit("gohub run: "+err.Error(), exitRuntime)
		}
		if asJSON {
			err = printJSONElements(w, res, more)
		} else {
			err = print(w, part, res)
		}
		if err == nil {
			err = w.Flush()
		}
		if err != nil {
			return nil, cli.Exit("gohub run: write results: "+err.Error(), exitRuntime)
		}
		more = true
		return nil, nil
	}
	for lo := 0; lo < len(paths); lo += chunk {
		// Ctrl-C or SIGTERM cancels the context: stop between chunks, with every result
		// so far printed (the JSON list stays open: it is not all of them).
		if c.Context.Err() != nil {
			if err := w.Flush(); err != nil {
				return cli.Exit("gohub run: write results: "+err.Error(), exitRuntime)
			}
			return cli.Exit(fmt.Sprintf("gohub run: stopped after %d of %d pictures", lo, len(paths)), exitRuntime)
		}
		part := paths[lo:min(len(paths), lo+chunk)]
		bad, err := each(part)
		if err != nil {
			return err
		}
		if bad == nil {
			continue
		}
		if len(part) > 1 {
			// One bad picture fails its whole batch: run the batch's pictures one by one to
			// print the others and name every bad one.
			for _, p := range part {
				if bad, err = each([]string{p}); err != nil {
					return err
				}
				if bad != nil {
					fmt.Fprintf(c.App.ErrWriter, "gohub run: %v\n", bad)
					failed++
				}
			}
			continue
		}
		fmt.Fprintf(c.App.ErrWriter, "gohub run: %v\n", bad)
		failed++
	}
	if asJSON {
		w.WriteString("]\n")
	}
	if err := w.Flush(); err != nil {
		return cli.Exit("gohub run: write results: "+err.Error(), exitRuntime)
	}
	if failed > 0 {
		return cli.Exit(fmt.Sprintf("gohub run: %d of %d pictures could not be read", failed, len(paths)), exitRuntime)
	}
	return nil
}

// imagePaths checks the flags of an image run and returns the images, in order: the
// --input_path ones, then --input_file's.
func imagePaths(o *runOptions) ([]string, error) {
	switch {
	case o.textSet || o.userDict != "":
		return nil, errors.Errorf("--input_text and --user_dict are for text modules; %s reads images", o.module)
	case o.output != "text" && o.output != "json":
		return nil, errors.Errorf("--output %q: want text or json", o.output)
	case o.batchSize < 1 || o.threads < 1 || o.image.topK < 0:
		return nil, errors.Errorf("--batch_size %d and --threads %d must be at least 1, --top_k %d not negative", o.batchSize, o.threads, o.image.topK)
	}
	paths := o.image.paths
	if o.file != "" {
		lines, err := readPathList(o.file)
		if err != nil {
			return nil, err
		}
		paths = append(paths, lines...)
	}
	if len(paths) == 0 {
		return nil, errors.Errorf("no input: give --input_path FILE or --input_file LIST, e.g. gohub run %s --input_path cat.jpg", o.module)
	}
	// A missing file is the user's mistake: say so before the model loads.
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil {
			return nil, errors.Wrap(err, "--input_path")
		}
	}
	return paths, nil
}

// readPathList reads one path per line, stripped, skipping blank lines (PaddleHub's
// --input_file); "-" is standard input.
func readPathList(name string) ([]string, error) {
	in := io.Reader(os.Stdin)
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, errors.Wrap(err, "--input_file")
		}
		defer f.Close()
		in = f
	}
	var paths []string
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		if p := strings.TrimSpace(strings.TrimPrefix(sc.Text(), "\ufeff")); p != "" {
			paths = append(paths, p)
		}
	}
	return paths, errors.Wrapf(sc.Err(), "read --input_file %s", name)
}

// printJSONElements writes res as elements of a JSON array, after a comma where more
// elements came before.
func printJSONElements[R any](w *bufio.Writer, res []R, more bool) error {
	for i, r := range res {
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		if more || i > 0 {
			w.WriteByte(',')
		}
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	return nil
}

// printImageResults prints one line per image, "path: label (prob), ...".
func printImageResults(w *bufio.Writer, paths []string, res []imgcls.Result) error {
	for i, r := range res {
		w.WriteString(paths[i] + ":")
		for k, p := range r {
			if k > 0 {
				w.WriteByte(',')
			}
			fmt.Fprintf(w, " %s (%.4f)", p.Label, p.Probability)
		}
		if err := w.WriteByte('\n'); err != nil {
			return err
		}
	}
	return nil
}
