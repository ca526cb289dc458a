// Command lac_seg segments Chinese sentences into words with Baidu's LAC segmentation
// model, through the paddle and readers/lac packages.
//
//	go run ./examples/lac_seg "今天是个好日子"
//	今天 / 是 / 个 / 好日子
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/gohub/gohub/internal/settings"
	"github.com/gohub/gohub/internal/shared"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is main without the process around it: it returns the exit code (0 done, 1 failed,
// 2 bad usage).
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("lac_seg", flag.ContinueOnError)
	fs.SetOutput(stderr)
	modelDir := fs.String("model", "", "LAC segmentation model `dir` holding model/ and conf/\n"+
		"(default $"+settings.Shared.Name+"/models/lac_seg)")
	threads := fs.Int("threads", 1, "sentences segmented in parallel, one cloned predictor each")
	sep := fs.String("sep", " / ", "separator printed between words")
	fs.Usage = func() {
		fmt.Fprintf(stderr, `Usage: lac_seg [flags] SENTENCE...

Segments each SENTENCE into words with the LAC segmentation model and prints one
line per sentence, words separated by -sep. A blank sentence prints an empty line.

Flags:
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "lac_seg: no sentence given (see -help)")
		return 2
	}
	if *threads < 1 {
		fmt.Fprintf(stderr, "lac_seg: -threads must be at least 1, got %d\n", *threads)
		return 2
	}
	if *modelDir == "" {
		dir, err := shared.Path("models", "lac_seg")
		if err != nil {
			fmt.Fprintf(stderr, "lac_seg: no model: %v (or pass -model)\n", err)
			return 1
		}
		*modelDir = dir
	}

	seg, err := newSegmenter(*modelDir)
	if err != nil {
		fmt.Fprintf(stderr, "lac_seg: %v\n", err)
		return 1
	}
	defer seg.Destroy()
	results, err := seg.SegmentAll(fs.Args(), *threads)
	if err != nil {
		fmt.Fprintf(stderr, "lac_seg: %v\n", err)
		return 1
	}
	for _, words := range results {
		fmt.Fprintln(stdout, strings.Join(words, *sep))
	}
	return 0
}
