package lac

import "strings"

// Position is where a character sits in its word.
type Position uint8

// The positions of LAC's tag scheme. Other covers tags without a B/I/E/S suffix, such as
// the "O" tag of the lexical-analysis models.
const (
	Other Position = iota
	Begin
	Inside
	End
	Single
)

// Tag is one tag.dic entry, split into its label (e.g. "n", "LOC"; empty for the
// segmentation model's "-B") and its position suffix.
type Tag struct {
	Label string
	Pos   Position
}

// startsWord reports whether LAC begins a new word at a character with this tag: only B
// and S do; I, E and anything else extend the current word.
func (t Tag) startsWord() bool { return t.Pos == Begin || t.Pos == Single }

var positions = map[string]Position{"B": Begin, "I": Inside, "E": End, "S": Single}

// parseTag splits "label-X" at its last '-'. A name without a known suffix keeps the
// whole name as its label, so "O" reads as label "O", position Other.
func parseTag(name string) Tag {
	i := strings.LastIndexByte(name, '-')
	if i < 0 {
		return Tag{Label: name}
	}
	pos, ok := positions[name[i+1:]]
	if !ok {
		return Tag{Label: name}
	}
	return Tag{Label: name[:i], Pos: pos}
}
