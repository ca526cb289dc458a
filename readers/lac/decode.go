package lac

import "github.com/pkg/errors"

// Word is one segment of the input text and the label of its last character's tag (LAC's
// choice); the label is empty for the segmentation model.
type Word struct {
	Text  string
	Label string
}

// Decode joins the characters of text into words, given one tag id per character.
//
// It follows LAC's parse_result: a word starts at the first character and at every B or
// S tag; every other tag (I, E, O) extends the current word. So an I or E without a B
// before it joins the previous word, and only opens a word at the start of the text.
// An E followed by an I therefore does not split either: LAC trusts the CRF's B/S.
func (v *Vocab) Decode(text []rune, tagIDs []int64) ([]Word, error) {
	if len(text) != len(tagIDs) {
		return nil, errors.Errorf("lac: %d characters but %d tags", len(text), len(tagIDs))
	}
	var words []Word
	start := 0
	label := ""
	for i, id := range tagIDs {
		tag, ok := v.tags[id]
		if !ok {
			return nil, errors.Errorf("lac: tag id %d at character %d is not in tag.dic", id, i)
		}
		if i > 0 && tag.startsWord() {
			words = append(words, Word{Text: string(text[start:i]), Label: label})
			start = i
		}
		label = tag.Label
	}
	if len(text) > 0 {
		words = append(words, Word{Text: string(text[start:]), Label: label})
	}
	return words, nil
}

// Texts returns the text of each word.
func Texts(words []Word) []string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = w.Text
	}
	return out
}
