package lexical

import "unicode/utf8"

// LAC's post-processing works on tag names with Python string slicing: the label of
// "n-B" is "n-B"[:-2] = "n", that of "O" is "" (so the model's "O" gives an empty tag),
// and a user dictionary turns "O" into "O"[:-1]+"B" = "B". These helpers reproduce that
// on code points, so that every output matches the LAC package's.

// dropLast is s[:-n] in Python: s without its last n code points, "" when it has fewer.
func dropLast(s string, n int) string {
	end := len(s)
	for ; n > 0 && end > 0; n-- {
		_, size := utf8.DecodeLastRuneInString(s[:end])
		end -= size
	}
	if n > 0 {
		return ""
	}
	return s[:end]
}

// label is the word tag LAC reports for a character tag.
func label(tag string) string { return dropLast(tag, 2) }

// startsWord reports whether LAC opens a new word at a character with this tag.
func startsWord(tag string) bool {
	return tag != "" && (tag[len(tag)-1] == 'B' || tag[len(tag)-1] == 'S')
}

// withPos replaces the last code point of tag (its position letter) with pos.
func withPos(tag string, pos byte) string { return dropLast(tag, 1) + string(pos) }

// expand returns one tag per character from the model's one tag per id: an id that stands
// for a word of n characters gives its tag, then n-1 times its label + "-I". spans nil
// means one character per id.
func expand(tags []string, spans []int) []string {
	if spans == nil {
		return tags
	}
	out := make([]string, 0, len(tags))
	for i, t := range tags {
		out = append(out, t)
		if spans[i] > 1 {
			inside := label(t) + "-I"
			for range spans[i] - 1 {
				out = append(out, inside)
			}
		}
	}
	return out
}

// assemble joins the characters of text into words, given one tag per character: a word
// starts at the first character and at every tag ending in B or S, and takes the label of
// its last character's tag.
func assemble(text string, tags []string, withTag bool) Result {
	res := Result{Word: []string{}}
	if withTag {
		res.Tag = []string{}
	}
	start, i := 0, 0
	var last string
	for pos := range text {
		t := tags[i]
		if i > 0 && startsWord(t) {
			res.add(text[start:pos], last, withTag)
			start = pos
		}
		last = t
		i++
	}
	if i > 0 {
		res.add(text[start:], last, withTag)
	}
	return res
}

func (r *Result) add(word, tag string, withTag bool) {
	r.Word = append(r.Word, word)
	if withTag {
		r.Tag = append(r.Tag, label(tag))
	}
}
