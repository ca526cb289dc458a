package lac

import (
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/pkg/errors"
)

// OOV is the word.dic entry whose id stands for every character the vocabulary lacks.
const OOV = "OOV"

// Vocab holds the three LAC dictionaries. It is read-only after loading and safe for
// concurrent use.
type Vocab struct {
	ids  map[string]int64 // word.dic: entry -> id
	oov  int64
	size int
	q2b  map[rune]string // q2b.dic: character -> replacement
	// chars maps each character to the id of its q2b replacement in word.dic, for those
	// that have one: encoding a character is then one lookup, not two.
	chars map[rune]int64
	tags  map[int64]Tag // tag.dic: id -> tag
	// names keeps tag.dic's names as written ("n-B", "O"): LAC's post-processing and user
	// dictionaries work on the names, not on the parsed tags.
	names map[int64]string
}

// LoadVocab reads word.dic, q2b.dic and tag.dic from confDir (a model's conf/ directory).
func LoadVocab(confDir string) (*Vocab, error) {
	return LoadVocabFiles(
		filepath.Join(confDir, "word.dic"),
		filepath.Join(confDir, "q2b.dic"),
		filepath.Join(confDir, "tag.dic"))
}

// LoadVocabFiles reads the three dictionaries from individual paths.
func LoadVocabFiles(wordPath, q2bPath, tagPath string) (*Vocab, error) {
	v := &Vocab{ids: map[string]int64{}, q2b: map[rune]string{}, tags: map[int64]Tag{},
		names: map[int64]string{}}
	if err := readPairs(wordPath, v.addWord); err != nil {
		return nil, err
	}
	oov, ok := v.ids[OOV]
	if !ok {
		return nil, errors.Errorf("lac: %s has no %q entry", wordPath, OOV)
	}
	v.oov = oov
	if err := readPairs(q2bPath, v.addReplacement); err != nil {
		return nil, err
	}
	v.indexChars()
	if err := readPairs(tagPath, v.addTag); err != nil {
		return nil, err
	}
	if len(v.tags) == 0 {
		return nil, errors.Errorf("lac: %s has no tags", tagPath)
	}
	return v, nil
}

// addWord records one word.dic line. A repeated entry keeps its last id, as LAC's dict does.
func (v *Vocab) addWord(id, word string) error {
	n, err := parseID(id)
	if err != nil {
		return err
	}
	v.ids[word] = n
	v.size = max(v.size, int(n)+1)
	return nil
}

// addReplacement records one q2b.dic line. LAC replaces one character at a time, so a
// key longer than one character can never match; it is skipped rather than rejected.
func (v *Vocab) addReplacement(from, to string) error {
	if r, size := utf8.DecodeRuneInString(from); size == len(from) && from != "" {
		v.q2b[r] = to
	}
	return nil
}

// indexChars fills chars from ids and q2b.
func (v *Vocab) indexChars() {
	v.chars = map[rune]int64{}
	for word, id := range v.ids {
		r, size := utf8.DecodeRuneInString(word)
		if word == "" || size != len(word) || r == utf8.RuneError && word != string(utf8.RuneError) {
			continue // not one valid character
		}
		if _, replaced := v.q2b[r]; !replaced {
			v.chars[r] = id
		}
	}
	for r, to := range v.q2b {
		if id, ok := v.ids[to]; ok {
			v.chars[r] = id
		}
	}
}

func (v *Vocab) addTag(id, name string) error {
	n, err := parseID(id)
	if err != nil {
		return err
	}
	v.tags[n] = parseTag(name)
	v.names[n] = name
	return nil
}

func parseID(s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > 1<<31-1 {
		return 0, errors.Errorf("bad id %q", s)
	}
	return n, nil
}

// Size is the number of rows the model's embedding table needs: the largest id plus one.
func (v *Vocab) Size() int { return v.size }

// OOVID is the id given to characters that are not in word.dic.
func (v *Vocab) OOVID() int64 { return v.oov }

// Tag returns the tag with the given id and whether tag.dic has it.
func (v *Vocab) Tag(id int64) (Tag, bool) {
	t, ok := v.tags[id]
	return t, ok
}

// TagName returns the name tag.dic gives the id (the last line wins where an id repeats,
// as in LAC's dict) and whether it has one.
func (v *Vocab) TagName(id int64) (string, bool) {
	name, ok := v.names[id]
	return name, ok
}

// Normalize applies q2b.dic to every character of text.
func (v *Vocab) Normalize(text string) (string, error) {
	if !utf8.ValidString(text) {
		return "", errors.New("lac: text is not valid UTF-8")
	}
	var b strings.Builder
	b.Grow(len(text))
	for _, r := range text {
		if to, ok := v.q2b[r]; ok {
			b.WriteString(to)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String(), nil
}

// Encode returns one id per character of text: the id of its q2b replacement in word.dic,
// or the OOV id.
func (v *Vocab) Encode(text string) ([]int64, error) {
	if !utf8.ValidString(text) {
		return nil, errors.New("lac: text is not valid UTF-8")
	}
	return v.appendIDs(make([]int64, 0, utf8.RuneCountInString(text)), text), nil
}

// appendIDs appends the ids of a valid UTF-8 text to dst.
func (v *Vocab) appendIDs(dst []int64, text string) []int64 {
	for _, r := range text {
		id, ok := v.chars[r]
		if !ok {
			id = v.oov
		}
		dst = append(dst, id)
	}
	return dst
}
