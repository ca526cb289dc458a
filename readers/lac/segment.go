package lac

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/pkg/errors"
)

// Segmenter is the dictionary segmenter that LAC's full lexical-analysis model runs
// before the model: it cuts a text into the words of conf/small_seg.dic so that the words
// word.dic knows can be fed as one id each (the model reads a mix of words and
// characters). It follows LAC's segment.py exactly, quirks included, because a different
// cut changes the model's input and so its output.
//
// A Segmenter is read-only after loading and safe for concurrent use.
type Segmenter struct {
	// words holds the dictionary's words. LAC also keeps their prefixes, to stop looking
	// for longer words early; looking no further than the longest word finds the same
	// words with half the entries.
	words map[string]struct{}
	// logLen[n] is log(n); LAC scores a word by log(len(word)), not by its count. Its
	// length is the longest word's plus one.
	logLen []float64
	// logTotal is log of the sum of the counts, the cost of each word on a path.
	logTotal float64
}

// LoadSegmenter reads a segmentation dictionary: "word count" lines, one space between.
func LoadSegmenter(path string) (*Segmenter, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, errors.Wrap(err, "lac: open segmentation dictionary")
	}
	defer f.Close()
	s := &Segmenter{words: map[string]struct{}{}, logLen: []float64{0, 0}}
	var total uint64
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		word, count, err := parseSegLine(sc.Text())
		if err != nil {
			return nil, errors.Wrapf(err, "lac: %s line %d", path, line)
		}
		total += count
		s.add(word)
	}
	if err := sc.Err(); err != nil {
		return nil, errors.Wrapf(err, "lac: read %s", path)
	}
	if total == 0 {
		return nil, errors.Errorf("lac: %s has no words", path)
	}
	s.logTotal = exactLog(total)
	return s, nil
}

func parseSegLine(text string) (string, uint64, error) {
	if !utf8.ValidString(text) {
		return "", 0, errors.New("invalid UTF-8")
	}
	word, count, ok := strings.Cut(strings.TrimSpace(text), " ")
	n, err := strconv.ParseUint(count, 10, 32)
	if !ok || word == "" || err != nil {
		return "", 0, errors.Errorf(`want "word count", got %q`, text)
	}
	return word, n, nil
}

func (s *Segmenter) add(word string) {
	s.words[word] = struct{}{}
	n := utf8.RuneCountInString(word)
	for len(s.logLen) <= n {
		s.logLen = append(s.logLen, exactLog(uint64(len(s.logLen))))
	}
}

// Cut splits text into segments whose concatenation is text: the most probable path
// through the dictionary words (each word scoring log(len) - log(total), single
// characters 0 - log(total); ties go to the longer first word), after which runs of single
// ASCII letters and digits are joined into one segment.
func (s *Segmenter) Cut(text string) []string {
	offs := make([]int, 0, len(text)+1) // byte offset of each character, then len(text)
	for i := range text {
		offs = append(offs, i)
	}
	n := len(offs)
	offs = append(offs, len(text))

	// Best path from the back: score[i] of text[i:], next[i] the end of its first segment.
	score := make([]float64, n+1)
	next := make([]int, n+1)
	for i := n - 1; i >= 0; i-- {
		best, bestEnd := s.logLen[1]-s.logTotal+score[i+1], i+1
		for j := i + 2; j <= min(n, i+len(s.logLen)-1); j++ {
			if _, ok := s.words[text[offs[i]:offs[j]]]; !ok {
				continue
			}
			if sc := s.logLen[j-i] - s.logTotal + score[j]; sc >= best {
				best, bestEnd = sc, j
			}
		}
		score[i], next[i] = best, bestEnd
	}

	var segs []string
	run := -1 // start of the pending run of single ASCII letters and digits
	for i := 0; i < n; i = next[i] {
		if next[i] == i+1 && isASCIIAlnum(text[offs[i]]) {
			if run < 0 {
				run = i
			}
			continue
		}
		if run >= 0 {
			segs = append(segs, text[offs[run]:offs[i]])
			run = -1
		}
		segs = append(segs, text[offs[i]:offs[next[i]]])
	}
	if run >= 0 {
		segs = append(segs, text[offs[run]:])
	}
	return segs
}

func isASCIIAlnum(b byte) bool {
	return b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
}
