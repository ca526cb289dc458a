// Package labels reads label lists: a model's class names, one a line, in the order of the
// model's output, and finds them in plain model directories.
package labels

import (
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/pkg/errors"
)

// Read reads the label file at path (Parse).
func Read(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, errors.Wrap(err, "read labels")
	}
	return Parse(path, data)
}

// Parse reads a label list as PaddleHub's load_label_info does: one label per line,
// stripped of surrounding white space, a byte-order mark dropped. Trailing blank lines are
// ignored; a blank line between labels is an error, since it would shift every class after
// it. name is the file's name for errors.
func Parse(name string, data []byte) ([]string, error) {
	text := strings.TrimPrefix(string(data), "\ufeff")
	if !utf8.ValidString(text) {
		return nil, errors.Errorf("labels %s: not valid UTF-8", name)
	}
	text = strings.TrimRight(text, " \t\r\n")
	if text == "" {
		return nil, errors.Errorf("labels %s: empty file", name)
	}
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		if lines[i] = strings.TrimSpace(l); lines[i] == "" {
			return nil, errors.Errorf("labels %s: line %d is blank", name, i+1)
		}
	}
	return lines, nil
}

// classifierFiles are where plain model directories keep their labels, first found wins:
// PaddleClas exports (labels/synset_words.txt), PaddleHub modules (label_list.txt).
var classifierFiles = []string{
	"labels/synset_words.txt", "synset_words.txt", "label_list.txt", "labels.txt",
	"assets/label_list.txt", "labels/label_list.txt",
}

// Find returns the path of the label file in a plain model directory, relative to it
// with forward slashes.
func Find(dir string) (string, error) {
	for _, rel := range classifierFiles {
		if fi, err := os.Stat(filepath.Join(dir, filepath.FromSlash(rel))); err == nil && !fi.IsDir() {
			return rel, nil
		}
	}
	return "", errors.Errorf("%s has no label file (looked for %v)", dir, classifierFiles)
}
