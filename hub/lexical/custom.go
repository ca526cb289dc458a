package lexical

// span is a match of a user-dictionary phrase: characters [begin, end) of a text.
type span struct{ begin, end int }

// apply rewrites tags (one per character of text, the model's) where the dictionary's
// phrases occur, as LAC's parse_customization does: every character of a phrase gets its
// word's tag + "-I" (or keeps its own label where the word has no tag), then the phrase's
// first character and the character after each of its words get a B.
func (d *UserDict) apply(text string, tags []string) {
	offs := make([]int, 0, len(tags)+1) // byte offset of each character, then len(text)
	for i := range text {
		offs = append(offs, i)
	}
	offs = append(offs, len(text))
	for _, m := range d.matches(text, offs) {
		e := d.entries[text[offs[m.begin]:offs[m.end]]]
		i := m.begin
		for k, tag := range e.tags {
			for ; i < m.begin+e.ends[k]; i++ {
				if tag == "" {
					tags[i] = withPos(tags[i], 'I')
				} else {
					tags[i] = tag + "-I"
				}
			}
		}
		tags[m.begin] = withPos(tags[m.begin], 'B')
		for _, end := range e.ends {
			if j := m.begin + end; j < len(tags) {
				tags[j] = withPos(tags[j], 'B')
			}
		}
	}
}

// matches finds phrases the way LAC's prefix tree does: for each start in turn, every
// phrase starting there that ends after the last match found so far. So a phrase inside
// an earlier match is skipped, but one that overlaps its end is kept and applied after it.
func (d *UserDict) matches(text string, offs []int) []span {
	var out []span
	n := len(offs) - 1
	for b := range n {
		for e := b + 1; e <= n; e++ {
			length, ok := d.trie[text[offs[b]:offs[e]]]
			if !ok {
				break
			}
			if length > 0 && (len(out) == 0 || e > out[len(out)-1].end) {
				out = append(out, span{b, e})
			}
		}
	}
	return out
}
