package lac

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzSegmenterCut: the segments of any valid text are non-empty and make up the text.
func FuzzSegmenterCut(f *testing.F) {
	f.Add("北京 5\n天安门 1\n北京天 1\n安门 9\n", "我爱北京天安门ab1 c")
	f.Add("a 1\n", "")
	f.Fuzz(func(t *testing.T, dict, text string) {
		if !utf8.ValidString(text) {
			return
		}
		path := writeSegDict(t, dict)
		s, err := LoadSegmenter(path)
		if err != nil {
			return
		}
		segs := s.Cut(text)
		for _, seg := range segs {
			if seg == "" {
				t.Fatalf("empty segment in %q", segs)
			}
		}
		if got := strings.Join(segs, ""); got != text {
			t.Fatalf("segments %q do not make up %q", segs, text)
		}
	})
}
