package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/pkg/errors"
	"github.com/urfave/cli/v2"

	"github.com/gohub/gohub/hub"
	"github.com/gohub/gohub/hub/lexical"
	"github.com/gohub/gohub/hub/store"
)

func runCommand() *cli.Command {
	return &cli.Command{
		Name:      "run",
		Usage:     "run an installed module on inputs",
		ArgsUsage: "MODULE",
		Description: `Runs a lexical-analysis module (lac) on texts and prints one result per text:

   gohub run lac --input_text "今天是个好日子"
   今天/TIME 是/v 个/q 好日子/n

--input_file reads one text per line (UTF-8; "-" is standard input) and streams the
results, batch by batch: each line is stripped of surrounding white space and a blank line
gives an empty result, so output line N belongs to input line N. --output json prints one
JSON object per text and line, with PaddleHub's fields: {"word": [...], "tag": [...]}.
--mode seg runs the lac module's segmentation model (words only); --model picks any of a
module's models by name, e.g. --model lite for lac's Paddle-Lite mobile tagger (installed
with gohub install DIR, DIR holding its model.nb, word.dic, q2b.dic and tag.dic; gohub show
lac lists the models). --user_dict applies a
user dictionary in either of PaddleHub's formats ("word/TAG ..." or "word<TAB>tag<TAB>freq").
Flags may follow MODULE; boolean flags take their value with '=': --return_tag=false.

` + imageRunHelp + "\n\n" + faceRunHelp + "\n\n" + gpuRunHelp,
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "input_text", Usage: "analyse this `TEXT`"},
			&cli.StringFlag{Name: "input_file", Usage: "analyse each line of `FILE` (\"-\": standard input)", TakesFile: true},
			&cli.StringFlag{Name: "output", Value: "text", Usage: "print results as `FORMAT`: text (word/tag ...) or json (one object per line)"},
			&cli.StringFlag{Name: "mode", Value: "lac", Usage: "`MODE` lac (words and tags) or seg (words only): the module's model to run"},
			&cli.StringFlag{Name: "model", Usage: "run the module's model `NAME` (lac: lac, seg or lite); default its first"},
			&cli.StringFlag{Name: "user_dict", Usage: "apply the user dictionary `FILE`", TakesFile: true},
			&cli.BoolFlag{Name: "return_tag", Value: true, Usage: "print tags (--return_tag=false: words only)"},
			&cli.IntFlag{Name: "batch_size", Value: lexical.DefaultBatchSize, Usage: "`N` texts per model run"},
			&cli.IntFlag{Name: "threads", Value: 1, Usage: "run `N` batches in parallel, one predictor each"},
		}, append(append(imageRunFlags(), faceRunFlags()...), gpuRunFlags()...)...),
		Action: runAction,
	}
}

// runOptions are the run flags, read wherever they were given.
type runOptions struct {
	module, text, file, output, mode, model, userDict string
	textSet, returnTag, help                          bool
	batchSize, threads                                int
	gpu                                               gpuRunOptions
	image                                             imageRunOptions
	face                                              faceRunOptions
}

func runAction(c *cli.Context) error {
	o, err := readRunFlags(c)
	if err != nil {
		return usageErrorf("gohub run: %v", err)
	}
	if o.help {
		return cli.ShowSubcommandHelp(c)
	}
	// Flags and inputs depend on the module's kind; a module that cannot be found is
	// reported before its inputs are checked.
	m0, err := hub.FindManifest(o.module)
	if err != nil {
		return loadFailed(err)
	}
	run, ok := kindRunners[m0.Kind]
	if !ok {
		run = runText // hub.Load says which kinds it cannot run
	}
	return run(c, o)
}

// kindRunners run a module of each kind on the inputs that the run flags name: one per
// kind in hub/kind's registry (a test checks that none is missing).
var kindRunners = map[store.Kind]func(*cli.Context, *runOptions) error{
	store.KindLexicalAnalysis:     runText,
	store.KindImageClassification: runImage,
	store.KindObjectDetection:     runDetect,
	store.KindFaceDetection:       runFaces,
}

// runText analyses the texts that o names and prints their results.
func runText(c *cli.Context, o *runOptions) error {
	if err := o.check(); err != nil {
		return usageErrorf("gohub run: %v", err)
	}
	m, err := loadForRun(o, o.loadOptions())
	if err != nil {
		return err
	}
	defer m.Close()

	p := &printer{w: bufio.NewWriter(c.App.Writer), json: o.output == "json"}
	if o.file == "" {
		return runChunk(m, p, []string{o.text})
	}
	return runFile(c.Context, m, p, o)
}

// readRunFlags reads and checks the flags. urfave/cli stops parsing flags at the first
// argument, but PaddleHub's users write them after the module name
// (`gohub run lac --input_text ...`), so the arguments after MODULE are parsed again.
func readRunFlags(c *cli.Context) (*runOptions, error) {
	if c.NArg() == 0 {
		return nil, errors.New(`which module? e.g. gohub run lac --input_text "今天是个好日子"`)
	}
	set := flag.NewFlagSet(c.Command.Name, flag.ContinueOnError)
	set.SetOutput(io.Discard)
	for _, f := range c.Command.Flags {
		if err := f.Apply(set); err != nil {
			return nil, errors.Wrap(err, "flags")
		}
	}
	if err := set.Parse(c.Args().Tail()); err != nil {
		return nil, err
	}
	if set.NArg() > 0 {
		return nil, errors.Errorf("unexpected arguments %q after the module name (boolean flags take '=', e.g. --return_tag=false)", set.Args())
	}
	late := cli.NewContext(c.App, set, nil)
	given := map[string]bool{}
	set.Visit(func(f *flag.Flag) { given[f.Name] = true })
	pick := func(name string) *cli.Context {
		if given[name] {
			return late
		}
		return c
	}
	o := &runOptions{
		module:    c.Args().First(),
		help:      given["help"] || given["h"],
		text:      pick("input_text").String("input_text"),
		textSet:   given["input_text"] || c.IsSet("input_text"),
		file:      pick("input_file").String("input_file"),
		output:    pick("output").String("output"),
		mode:      pick("mode").String("mode"),
		model:     pick("model").String("model"),
		userDict:  pick("user_dict").String("user_dict"),
		returnTag: pick("return_tag").Bool("return_tag"),
		batchSize: pick("batch_size").Int("batch_size"),
		threads:   pick("threads").Int("threads"),
	}
	if o.help {
		return o, nil
	}
	o.image = readImageFlags(c, late, given)
	o.face = readFaceFlags(c, late, given)
	o.gpu = readGPUFlags(c, late, given)
	if err := o.gpu.check(); err != nil {
		return nil, err
	}
	return o, nil
}

// loadForRun loads the module to run with opts, on the GPU when --use_gpu says so; a failure
// (a GPU asked for but unusable among them) comes back as the run's exit error.
func loadForRun(o *runOptions, opts []hub.Option) (*hub.Module, error) {
	m, err := hub.Load(o.module, append(opts, o.gpu.loadOptions()...)...)
	if err != nil {
		return nil, loadFailed(err)
	}
	return m, nil
}

// loadFailed reports a module that cannot be found or loaded: a usage error where it is
// not installed or lacks the model asked for.
func loadFailed(err error) error {
	code := exitRuntime
	var unknown *store.UnknownModelError
	if errors.Is(err, store.ErrNotInstalled) || errors.As(err, &unknown) {
		code = exitUsage
	}
	return cli.Exit("gohub run: "+err.Error(), code)
}

func (o *runOptions) check() error {
	switch {
	case len(o.image.paths) > 0 || o.image.topK != 0 || o.image.detectionFlags():
		return errors.Errorf("--input_path, --top_k, --score_thresh, --visualization and --output_dir are for image modules; %s is a text module", o.module)
	case o.textSet && o.file != "":
		return errors.New("give --input_text or --input_file, not both")
	case !o.textSet && o.file == "":
		return errors.Errorf(`no input: give --input_text TEXT or --input_file FILE, e.g. gohub run %s --input_text "今天是个好日子"`, o.module)
	case !utf8.ValidString(o.text):
		return errors.New("--input_text is not valid UTF-8")
	case o.output != "text" && o.output != "json":
		return errors.Errorf("--output %q: want text or json", o.output)
	case o.mode != string(lexical.ModeLAC) && o.mode != string(lexical.ModeSeg):
		return errors.Errorf("--mode %q: want lac or seg", o.mode)
	case o.model != "" && o.mode == string(lexical.ModeSeg):
		return errors.New("give --mode seg or --model NAME, not both")
	case o.batchSize < 1 || o.threads < 1:
		return errors.Errorf("--batch_size %d and --threads %d must be at least 1", o.batchSize, o.threads)
	}
	if o.userDict != "" {
		if _, err := os.Stat(o.userDict); err != nil {
			return errors.Wrap(err, "--user_dict")
		}
	}
	return nil
}

func (o *runOptions) loadOptions() []hub.Option {
	opts := []hub.Option{hub.WithBatchSize(o.batchSize), hub.WithThreads(o.threads), hub.WithReturnTag(o.returnTag)}
	// The lac module's default model is the full one: name the model only for seg, so that
	// --mode lac also runs modules whose one model has another name.
	if o.mode == string(lexical.ModeSeg) {
		opts = append(opts, hub.WithModel(o.mode))
	}
	if o.model != "" {
		opts = append(opts, hub.WithModel(o.model))
	}
	if o.userDict != "" {
		opts = append(opts, hub.WithUserDict(o.userDict))
	}
	return opts
}

// runFile streams the lines of o.file through m, a few batches at a time, until the file
// ends or ctx is cancelled (Ctrl-C, SIGTERM).
func runFile(ctx context.Context, m *hub.Module, p *printer, o *runOptions) error {
	in, name := io.Reader(os.Stdin), "standard input"
	if o.file != "-" {
		f, err := os.Open(o.file)
		if err != nil {
			return cli.Exit("gohub run: "+err.Error(), exitUsage)
		}
		defer f.Close()
		in, name = f, o.file
	}
	r := bufio.NewReader(in)
	chunk := make([]string, 0, o.batchSize*o.threads)
	for line := 1; ; line++ {
		text, err := r.ReadString('\n')
		if err != nil && err != io.EOF {
			return cli.Exit(fmt.Sprintf("gohub run: read %s: %v", name, err), exitRuntime)
		}
		if text == "" && err == io.EOF {
			break
		}
		if line == 1 {
			text = strings.TrimPrefix(text, "\ufeff")
		}
		if !utf8.ValidString(text) {
			return cli.Exit(fmt.Sprintf("gohub run: %s line %d is not valid UTF-8", name, line), exitUsage)
		}
		chunk = append(chunk, strings.TrimSpace(text))
		if len(chunk) == cap(chunk) {
			if ctx.Err() != nil {
				return cli.Exit(fmt.Sprintf("gohub run: stopped after %d lines of %s", line-len(chunk), name), exitRuntime)
			}
			if err := runChunk(m, p, chunk); err != nil {
				return err
			}
			chunk = chunk[:0]
		}
		if err == io.EOF {
			break
		}
	}
	if ctx.Err() != nil && len(chunk) > 0 {
		return cli.Exit(fmt.Sprintf("gohub run: stopped before the last %d lines of %s", len(chunk), name), exitRuntime)
	}
	return runChunk(m, p, chunk)
}

// runChunk analyses texts and prints their results.
func runChunk(m *hub.Module, p *printer, texts []string) error {
	if len(texts) == 0 {
		return nil
	}
	res, err := m.Cut(texts)
	if err != nil {
		return cli.Exit("gohub run: "+err.Error(), exitRuntime)
	}
	for _, r := range res {
		if err := p.print(r); err != nil {
			return cli.Exit("gohub run: write results: "+err.Error(), exitRuntime)
		}
	}
	// Flushing each chunk streams the results of a long file as they come.
	if err := p.w.Flush(); err != nil {
		return cli.Exit("gohub run: write results: "+err.Error(), exitRuntime)
	}
	return nil
}

// printer writes one result per line: "word/tag word/tag" (the LAC package's command
// line) or "word word" without tags, or a JSON object.
type printer struct {
	w    *bufio.Writer
	json bool
}

func (p *printer) print(r lexical.Result) error {
	if p.json {
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		_, err = p.w.Write(append(b, '\n'))
		return err
	}
	for i, word := range r.Word {
		if i > 0 {
			p.w.WriteByte(' ')
		}
		p.w.WriteString(word)
		if r.Tag != nil {
			p.w.WriteByte('/')
			p.w.WriteString(r.Tag[i])
		}
	}
	return p.w.WriteByte('\n')
}
