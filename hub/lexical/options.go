package lexical

import (
	"os"
	"path/filepath"

	"github.com/gohub/gohub/hub/kind"
	"github.com/pkg/errors"
)

// Mode says which LAC model an Analyzer runs, as the LAC package's mode argument does.
type Mode string

const (
	// ModeLAC is full lexical analysis: words with part-of-speech and entity tags.
	ModeLAC Mode = "lac"
	// ModeSeg is word segmentation only: results carry no tags.
	ModeSeg Mode = "seg"
)

// DefaultBatchSize is the number of texts fed to the model at once when Options leave it 0.
// Batching does not change results (each text is its own sequence); it only trades
// latency for throughput.
const DefaultBatchSize = 32

// Options tune an Analyzer. The zero value is ModeLAC on one CPU thread.
type Options struct {
	kind.RunOptions      // BatchSize 0 means DefaultBatchSize
	Mode            Mode // ModeLAC when empty
	// UserDict is the path of a user dictionary (LoadUserDict); "" for none.
	UserDict string
	// NoTag leaves Result.Tag nil (PaddleHub's return_tag=False). ModeSeg never has tags.
	NoTag bool
}

func (o Options) withDefaults() (Options, error) {
	if o.Mode == "" {
		o.Mode = ModeLAC
	}
	if o.Mode != ModeLAC && o.Mode != ModeSeg {
		return o, errors.Errorf("lexical: unknown mode %q (want %q or %q)", o.Mode, ModeLAC, ModeSeg)
	}
	var err error
	o.RunOptions, err = o.RunOptions.WithDefaults("lexical", DefaultBatchSize)
	return o, err
}

// Files locates a model and its dictionaries: ModelDir for a directory with __model__ and
// one file per parameter, or Program and Params for a combined model.
type Files struct {
	ModelDir        string
	Program, Params string
	WordDict        string // word.dic: "id<TAB>word", with an OOV entry
	Q2BDict         string // q2b.dic: "from<TAB>to" character normalisation
	TagDict         string // tag.dic: "id<TAB>tag"
	// SegDict is small_seg.dic, LAC's segmentation dictionary: with it, ModeLAC feeds the
	// words of word.dic as single ids, as the LAC package's lac model expects; without it,
	// one id per character. ModeSeg never uses it.
	SegDict string
}

// PackageFiles returns the Files of a model folder laid out as in the LAC package
// (LAC/lac_model or LAC/seg_model): model/ and conf/{word,q2b,tag,small_seg}.dic. SegDict
// is left empty where conf/small_seg.dic does not exist.
func PackageFiles(dir string) Files {
	conf := filepath.Join(dir, "conf")
	f := Files{
		ModelDir: filepath.Join(dir, "model"),
		WordDict: filepath.Join(conf, "word.dic"),
		Q2BDict:  filepath.Join(conf, "q2b.dic"),
		TagDict:  filepath.Join(conf, "tag.dic"),
	}
	if seg := filepath.Join(conf, "small_seg.dic"); fileExists(seg) {
		f.SegDict = seg
	}
	return f
}

func fileExists(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && !fi.IsDir()
}
