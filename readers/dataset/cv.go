// Package dataset reads fine-tuning data sets laid out as PaddleHub 1.x lays them out.
//
// # The CV list format
//
// An image classification data set is a directory (the base) with up to four list files
// and a label file (PaddleHub's BaseCVDataset, paddlehub/dataset/base_cv_dataset.py):
//
//	train_list.txt     validate_list.txt     test_list.txt     [predict_list.txt]
//	label_list.txt
//
// Each list line is one sample, "image_path label", separated by a space. When a line has
// more than two space-separated fields, everything before the last space is the path, so
// paths with spaces work. A relative path is relative to the base. The label is the class
// index (0, 1, ...). label_list.txt names the classes, one a line; line i names class i.
//
// # Where this package differs from PaddleHub
//
// PaddleHub parses the lists lazily, keeps labels as strings and only fails (or trains on
// garbage) when a batch reaches the bad line. LoadCV reads and checks everything up front,
// so that a fine-tune run fails in its first second rather than in its third epoch:
//
//   - A malformed line is a *LineError naming the file and line: no label, a label that is
//     not an integer, a label outside label_list.txt's classes, an empty path.
//   - Blank lines are skipped (PaddleHub turns one into a sample with an empty path).
//   - Every image a list names must exist; the *MissingError counts the missing ones and
//     names the first few with their list and line. CVFiles.SkipExistCheck turns this off.
//   - label_list.txt is read with readers/labels: lines are trimmed, a blank line between
//     classes is an error (PaddleHub would make it a class named "").
//   - Only a space separates the label, as in PaddleHub; a tab is not a separator, and a
//     line "cat.jpg<TAB>0" is reported as having no label, with a hint.
//   - Lines lose surrounding white space (PaddleHub's strip()), so a path cannot end in a
//     space, as in PaddleHub.
//   - A predict list may hold bare paths: when the last field of a line is not an integer
//     the whole line is the path and the label is -1.
package dataset

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/pkg/errors"

	"github.com/gohub/gohub/readers/labels"
)

// The file names PaddleHub's CV data sets use (hub.dataset.DogCat, Flowers, ...).
const (
	DefaultTrain   = "train_list.txt"
	DefaultDev     = "validate_list.txt"
	DefaultTest    = "test_list.txt"
	DefaultPredict = "predict_list.txt"
	DefaultLabels  = "label_list.txt"
)

// None, as a file name in CVFiles, says that the data set has no such file.
const None = "-"

// CVFiles names a CV data set's files, relative to its base directory (or absolute).
//
// An empty name means the default name, and the file is optional: when it is absent its
// split is empty. A name given explicitly must exist. None leaves the split out even when a
// file of the default name exists.
type CVFiles struct {
	Train, Dev, Test, Predict, Labels string

	// LabelList, when set, are the class names and the label file is not read (PaddleHub's
	// label_list argument, which wins over label_file).
	LabelList []string

	// SkipExistCheck leaves out the check that every listed image exists.
	SkipExistCheck bool
}

// Example is one sample: an image file and its class index (-1 for an unlabelled
// predict sample).
type Example struct {
	Path  string
	Label int64
}

// Unlabelled makes predict examples (label -1) of image paths, for a caller that has files
// rather than a predict list.
func Unlabelled(paths ...string) []Example {
	out := make([]Example, len(paths))
	for i, p := range paths {
		out[i] = Example{Path: p, Label: -1}
	}
	return out
}

// CV is a loaded image classification data set.
type CV struct {
	Base                      string
	Labels                    []string // class names; index = label
	Train, Dev, Test, Predict []Example
}

// NumLabels is the number of classes.
func (c *CV) NumLabels() int { return len(c.Labels) }

// LineError is a malformed line of a list file.
type LineError struct {
	File string // the list file's path
	Line int    // 1-based
	Msg  string
}

func (e *LineError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// MissingError says that images named in the lists do not exist.
type MissingError struct {
	Count int       // how many of them are missing
	Total int       // how many distinct images the lists name
	First []Missing // the first few, in list order
}

// Missing is one image a list names that cannot be found.
type Missing struct {
	File string // the list file
	Line int
	Path string // the image path, joined with the base
	Err  error
}

func (e *MissingError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d of the %d images the lists name are missing", e.Count, e.Total)
	for i, m := range e.First {
		sep := ", e.g. "
		if i > 0 {
			sep = "; "
		}
		fmt.Fprintf(&b, "%s%s (%s:%d)", sep, m.Path, m.File, m.Line)
	}
	if e.Count > len(e.First) {
		b.WriteString("; ...")
	}
	return b.String()
}

// maxMissingNamed is how many missing images a MissingError names.
const maxMissingNamed = 5

// source remembers where an example came from, for errors about it.
type source struct {
	file string
	line int
}

// LoadCV reads the CV data set in base. At least one of the train, dev and test lists must
// exist; the class names (label file or LabelList) are required when there is a train list,
// and every label must then be one of their indices.
func LoadCV(base string, opt CVFiles) (*CV, error) {
	cv := &CV{Base: base}
	labelFile, err := resolve(base, opt.Labels, DefaultLabels)
	if err != nil {
		return nil, err
	}
	switch {
	case len(opt.LabelList) > 0:
		cv.Labels = append([]string(nil), opt.LabelList...)
	case labelFile != "":
		if cv.Labels, err = labels.Read(labelFile); err != nil {
			return nil, err
		}
	}

	splits := []struct {
		name, def string
		dst       *[]Example
		predict   bool
	}{
		{opt.Train, DefaultTrain, &cv.Train, false},
		{opt.Dev, DefaultDev, &cv.Dev, false},
		{opt.Test, DefaultTest, &cv.Test, false},
		{opt.Predict, DefaultPredict, &cv.Predict, true},
	}
	var (
		srcs  []source
		paths []string
		found [4]bool
	)
	for i, s := range splits {
		file, err := resolve(base, s.name, s.def)
		if err != nil {
			return nil, err
		}
		if file == "" {
			continue
		}
		found[i] = true
		if i == 0 && cv.Labels == nil {
			return nil, errors.Errorf("dataset %s: a train list needs the class names: %s is absent and no label list was given", base, filepath.Join(base, labelOr(opt.Labels)))
		}
		ex, src, err := readList(base, file, s.predict, cv.Labels)
		if err != nil {
			return nil, err
		}
		*s.dst = ex
		srcs = append(srcs, src...)
		for _, e := range ex {
			paths = append(paths, e.Path)
		}
	}
	if !found[0] && !found[1] && !found[2] {
		return nil, errors.Errorf("dataset %s: none of the train, validate and test lists exists (want at least one of %s, %s, %s)",
			base, DefaultTrain, DefaultDev, DefaultTest)
	}
	if !opt.SkipExistCheck {
		if err := checkExist(paths, srcs); err != nil {
			return nil, err
		}
	}
	return cv, nil
}

func labelOr(name string) string {
	if name == "" || name == None {
		return DefaultLabels
	}
	return name
}

// resolve turns a CVFiles name into a path: "" for a split left out or a default file
// that is absent, an error for a named file that is absent.
func resolve(base, name, def string) (string, error) {
	if name == None {
		return "", nil
	}
	explicit := name != ""
	if !explicit {
		name = def
	}
	p := name
	if !filepath.IsAbs(p) {
		p = filepath.Join(base, p)
	}
	fi, err := os.Stat(p)
	switch {
	case err == nil && fi.IsDir():
		return "", errors.Errorf("dataset: %s is a directory, not a list file", p)
	case err == nil:
		return p, nil
	case !explicit && errors.Is(err, os.ErrNotExist):
		return "", nil
	}
	return "", errors.Wrap(err, "dataset")
}

// readList parses one list file. With classes nil labels are only checked to be
// non-negative.
func readList(base, file string, predict bool, classes []string) ([]Example, []source, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, nil, errors.Wrap(err, "dataset")
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	var (
		out  []Example
		srcs []source
	)
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), len(data)+1)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		lineErr := func(format string, a ...any) error {
			return &LineError{File: file, Line: n, Msg: fmt.Sprintf(format, a...)}
		}
		path, field, ok := cutLast(line)
		label := int64(-1)
		if ok {
			v, err := strconv.ParseInt(field, 10, 64)
			switch {
			case err == nil:
				label = v
			case predict:
				path = line // a bare path with a space in it
			default:
				return nil, nil, lineErr("label %q is not an integer class index", field)
			}
		} else {
			if !predict {
				msg := "no label: want \"image_path label\" separated by a space"
				if strings.Contains(line, "\t") {
					msg += " (this line has a tab, which PaddleHub's format does not separate on)"
				}
				return nil, nil, lineErr("%s", msg)
			}
			path = line
		}
		if path == "" {
			return nil, nil, lineErr("empty image path")
		}
		if !predict || label >= 0 {
			switch {
			case label < 0:
				return nil, nil, lineErr("label %d is negative", label)
			case classes != nil && label >= int64(len(classes)):
				return nil, nil, lineErr("label %d is out of range: the label list has %d classes (0..%d)", label, len(classes), len(classes)-1)
			}
		}
		if !filepath.IsAbs(path) {
			path = filepath.Join(base, path)
		}
		out = append(out, Example{Path: path, Label: label})
		srcs = append(srcs, source{file: file, line: n})
	}
	if err := sc.Err(); err != nil {
		return nil, nil, errors.Wrapf(err, "dataset %s", file)
	}
	return out, srcs, nil
}

// cutLast splits a line at its last space: the path and the label field.
func cutLast(line string) (path, last string, ok bool) {
	i := strings.LastIndexByte(line, ' ')
	if i < 0 {
		return line, "", false
	}
	return line[:i], line[i+1:], true
}

// checkExist stats every image once.
func checkExist(paths []string, srcs []source) error {
	var e MissingError
	seen := make(map[string]bool, len(paths))
	for i, p := range paths {
		if seen[p] {
			continue
		}
		seen[p] = true
		e.Total++
		fi, err := os.Stat(p)
		if err == nil && fi.IsDir() {
			err = errors.New("is a directory")
		}
		if err == nil {
			continue
		}
		e.Count++
		if len(e.First) < maxMissingNamed {
			e.First = append(e.First, Missing{File: srcs[i].file, Line: srcs[i].line, Path: p, Err: err})
		}
	}
	if e.Count > 0 {
		return &e
	}
	return nil
}
