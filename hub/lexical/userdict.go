package lexical

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/pkg/errors"
)

// UserDict is a user dictionary: phrases whose word boundaries and tags override the
// model's output wherever they occur (the LAC package's load_customization). It is
// read-only after loading and safe for concurrent use.
type UserDict struct {
	entries map[string]dictEntry
	// trie maps every phrase to its length in characters and every proper prefix of a
	// phrase that is not itself one to 0, as LAC's prefix tree does.
	trie map[string]int
}

// dictEntry is one phrase: the words it is made of, each with the tag it forces.
type dictEntry struct {
	tags []string // per word; "" keeps the model's label and only sets the boundaries
	ends []int    // per word: where it ends, in characters from the phrase's start
}

// oldFormat matches a line of the lac module's format before 2.2: word<TAB>tag<TAB>freq.
var oldFormat = regexp.MustCompile(`^([^\t]+)\t([^\t]+)\t\s*[0-9]+\s*$`)

// LoadUserDict reads a user dictionary in either of PaddleHub's formats, line by line:
//
//   - lac 2.2 and the LAC package: words separated by white space, each word optionally
//     followed by /TAG, e.g. "春天/SEASON", "花/n 开/v", "秋天的风". The words together form
//     the phrase to look for; each word of it becomes a word of the output, with its TAG
//     when given (any tag, new ones included) or else the model's. A single character
//     without a tag is ignored, as in LAC.
//   - lac before 2.2: "word<TAB>tag<TAB>frequency", read as "word/tag". The old lac weighed
//     the entry against a language model before applying it; gohub always applies it, as
//     2.2 does, so that entries in the old format are not silently ignored (which is what
//     lac 2.2 does with them, PaddleHub issue 1241).
//
// Phrases are matched on the text as given; where several start at one place all that end
// later than the last applied one are applied in turn, longest last. A later line with the
// same phrase replaces an earlier one. A leading byte-order mark is skipped.
func LoadUserDict(path string) (*UserDict, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, errors.Wrap(err, "lexical: read user dictionary")
	}
	d, err := ParseUserDict(data)
	if err != nil {
		return nil, errors.WithMessage(err, path)
	}
	return d, nil
}

// ParseUserDict is LoadUserDict on the contents of a file.
func ParseUserDict(data []byte) (*UserDict, error) {
	d := &UserDict{entries: map[string]dictEntry{}, trie: map[string]int{}}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	// Python reads text files with universal newlines: \r\n, \r and \n all end a line.
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	for i, line := range strings.Split(text, "\n") {
		if !utf8.ValidString(line) {
			return nil, errors.Errorf("lexical: user dictionary line %d is not valid UTF-8", i+1)
		}
		d.addLine(line)
	}
	return d, nil
}

// Len is the number of phrases.
func (d *UserDict) Len() int { return len(d.entries) }

func (d *UserDict) addLine(line string) {
	var words []string
	if m := oldFormat.FindStringSubmatch(line); m != nil {
		words = []string{strings.TrimFunc(m[1], isPySpace) + "/" + strings.TrimFunc(m[2], isPySpace)}
	} else {
		words = strings.FieldsFunc(line, isPySpace)
	}
	if len(words) == 0 {
		return
	}
	var phrase strings.Builder
	e := dictEntry{}
	n := 0
	for _, w := range words {
		tag := ""
		if i := strings.LastIndexByte(w, '/'); i >= 1 {
			w, tag = w[:i], w[i+1:]
		}
		phrase.WriteString(w)
		n += utf8.RuneCountInString(w)
		e.tags = append(e.tags, tag)
		e.ends = append(e.ends, n)
	}
	if n < 2 && e.tags[0] == "" {
		return
	}
	p := phrase.String()
	d.entries[p] = e
	d.trie[p] = n
	for i := range p {
		if _, ok := d.trie[p[:i]]; !ok && i > 0 {
			d.trie[p[:i]] = 0
		}
	}
}

// isPySpace is Python's str.isspace for one character, which str.split() splits on: Go's
// unicode.IsSpace plus the four ASCII information separators.
func isPySpace(r rune) bool { return unicode.IsSpace(r) || r >= 0x1c && r <= 0x1f }
