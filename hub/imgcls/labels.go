package imgcls

import (
	"os"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/pkg/errors"
)

// Labels are a model's class names, in output order.
type Labels struct {
	Short []string // what results print: the text before the first comma ("tabby")
	Full  []string // the line without its synset id ("tabby, tabby cat")
}

// synsetID is the WordNet id that ImageNet's synset_words.txt puts before each label.
var synsetID = regexp.MustCompile(`^n[0-9]{8}\s+`)

// ParseLabels reads a label file: one class per line, either "n01440764 tench, Tinca
// tinca" (ImageNet's synset_words.txt) or "tench, Tinca tinca" (PaddleHub's label_list.txt).
// Trailing blank lines are ignored; a blank line between labels is an error, since it
// would shift every class after it. name is the file's name for errors.
func ParseLabels(name string, data []byte) (*Labels, error) {
	text := strings.TrimPrefix(string(data), "\ufeff")
	if !utf8.ValidString(text) {
		return nil, errors.Errorf("labels %s: not valid UTF-8", name)
	}
	lines := strings.Split(strings.TrimRight(text, " \t\r\n"), "\n")
	if len(lines) == 1 && lines[0] == "" {
		return nil, errors.Errorf("labels %s: empty file", name)
	}
	l := &Labels{Short: make([]string, len(lines)), Full: make([]string, len(lines))}
	for i, line := range lines {
		full := strings.TrimSpace(synsetID.ReplaceAllString(strings.TrimSpace(line), ""))
		if full == "" {
			return nil, errors.Errorf("labels %s: line %d is blank", name, i+1)
		}
		short, _, _ := strings.Cut(full, ",")
		l.Full[i], l.Short[i] = full, strings.TrimSpace(short)
	}
	return l, nil
}

// LoadLabels reads the label file at path (ParseLabels).
func LoadLabels(path string) (*Labels, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, errors.Wrap(err, "imgcls: read labels")
	}
	return ParseLabels(path, data)
}

// Len is the number of classes.
func (l *Labels) Len() int { return len(l.Short) }
