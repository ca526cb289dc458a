package lexical

import (
	"github.com/pkg/errors"

	"github.com/gohub/gohub/hub/internal/predpool"
	"github.com/gohub/gohub/readers/lac"
)

// Analyzer runs one LAC model. It is safe for concurrent use: each batch borrows one of
// its Threads predictors.
type Analyzer struct {
	opts          Options
	vocab         *lac.Vocab
	seg           *lac.Segmenter // nil: one id per character
	dict          *UserDict      // nil: none
	input, output string
	pool          *predpool.Pool
}

// Open loads a model folder laid out as in the LAC package (see PackageFiles), e.g.
// LAC/lac_model for ModeLAC or LAC/seg_model for ModeSeg.
func Open(dir string, opts Options) (*Analyzer, error) {
	a, err := OpenFiles(PackageFiles(dir), opts)
	return a, errors.WithMessage(err, dir)
}

// OpenFiles loads the model and dictionaries that f names.
func OpenFiles(f Files, opts Options) (*Analyzer, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	a := &Analyzer{opts: opts}
	// The model loads in C++ while Go reads the dictionaries: start-up is most of a short run.
	loaded := make(chan error, 1)
	go func() { loaded <- a.loadPredictors(f) }()
	err = a.loadDicts(f)
	if perr := <-loaded; err == nil {
		err = perr
	}
	if err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

// loadDicts reads the dictionaries: the model's, the segmenter's and the user's.
func (a *Analyzer) loadDicts(f Files) error {
	var err error
	if a.vocab, err = lac.LoadVocabFiles(f.WordDict, f.Q2BDict, f.TagDict); err != nil {
		return err
	}
	if a.opts.Mode == ModeLAC && f.SegDict != "" {
		if a.seg, err = lac.LoadSegmenter(f.SegDict); err != nil {
			return err
		}
	}
	if a.opts.UserDict != "" {
		if a.dict, err = LoadUserDict(a.opts.UserDict); err != nil {
			return err
		}
	}
	return nil
}

// loadPredictors loads the model once and clones it for the other threads.
func (a *Analyzer) loadPredictors(f Files) error {
	first, err := newPredictor(f, a.opts)
	if err != nil {
		return err
	}
	if a.input, a.output, err = ioNames(first); err != nil {
		first.Destroy()
		return err
	}
	a.pool, err = predpool.New(first, a.opts.Threads)
	return errors.WithMessage(err, "lexical")
}

// Mode is the model the Analyzer runs.
func (a *Analyzer) Mode() Mode { return a.opts.Mode }

// Close releases the predictors, after any Cut in progress has returned. Later calls to
// Cut fail; Close itself may be called again.
func (a *Analyzer) Close() error {
	if a.pool != nil {
		a.pool.Close()
	}
	return nil
}
