package lexical

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzPostprocess: whatever the dictionary, the text and the model's tags, the user
// dictionary and the word assembly never panic, and the words put back together are the
// text, one tag per word.
func FuzzPostprocess(f *testing.F) {
	f.Add("春天/SEASON\n花/n 开/v\n秋天的风\n落 阳\n", "春天的花开秋天的风以及冬天的落阳", []byte{0, 1, 2, 3})
	f.Add("天气预报\tn\t400000\n/x\n", "今天天气预报", []byte{7})
	f.Add("a/", "", []byte{})
	f.Fuzz(func(t *testing.T, dict, text string, tagSeed []byte) {
		if !utf8.ValidString(text) {
			return
		}
		d, err := ParseUserDict([]byte(dict))
		if err != nil {
			return
		}
		names := []string{"n-B", "n-I", "O", "-S", "-E", "TIME-B", "B", ""}
		tags := make([]string, utf8.RuneCountInString(text))
		for i := range tags {
			if len(tagSeed) > 0 {
				tags[i] = names[int(tagSeed[i%len(tagSeed)])%len(names)]
			}
		}
		d.apply(text, tags)
		res := assemble(text, tags, true)
		if got := strings.Join(res.Word, ""); got != text {
			t.Fatalf("words %q do not make up %q", res.Word, text)
		}
		if len(res.Tag) != len(res.Word) {
			t.Fatalf("%d tags for %d words", len(res.Tag), len(res.Word))
		}
	})
}
