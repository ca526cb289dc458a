package lac

import "unicode/utf8"

// AppendSegments appends to ids the input of LAC's full lexical-analysis model for a text
// cut into segs by a Segmenter, and to spans how many characters each new id stands for.
// The model reads a mix of words and characters: a segment of two or more characters that
// word.dic holds as it is becomes one id; any other segment becomes one id per character,
// as Encode gives them (q2b.dic only maps single characters, so it never changes a word).
// segs must be valid UTF-8, as Segmenter.Cut returns for a valid text.
func (v *Vocab) AppendSegments(ids []int64, spans []int, segs []string) ([]int64, []int) {
	for _, s := range segs {
		n := utf8.RuneCountInString(s)
		if n > 1 {
			if id, ok := v.ids[s]; ok {
				ids = append(ids, id)
				spans = append(spans, n)
				continue
			}
		}
		ids = v.appendIDs(ids, s)
		for range n {
			spans = append(spans, 1)
		}
	}
	return ids, spans
}
