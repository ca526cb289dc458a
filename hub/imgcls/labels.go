package imgcls

import (
	"os"
	"regexp"
	"strings"

	"github.com/pkg/errors"

	"github.com/gohub/gohub/readers/labels"
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
	lines, err := labels.Parse(name, data)
	if err != nil {
		return nil, err
	}
	l := &Labels{Short: make([]string, len(lines)), Full: make([]string, len(lines))}
	for i, line := range lines {
		full := strings.TrimSpace(synsetID.ReplaceAllString(line, ""))
		if full == "" {
			return nil, errors.Errorf("labels %s: line %d holds a synset id alone", name, i+1)
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
