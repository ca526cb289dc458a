package lac

import (
	"bufio"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/pkg/errors"
)

// readPairs reads a LAC dictionary: one "left<TAB>right" pair per line. Only the line
// feed is stripped, never spaces, because word.dic maps id 0 to the space character.
// Blank lines are skipped; any other line without exactly one tab is an error, so that
// a damaged file is reported instead of silently shrinking the vocabulary.
func readPairs(path string, fn func(left, right string) error) error {
	f, err := os.Open(path)
	if err != nil {
		return errors.Wrap(err, "lac: open dictionary")
	}
	defer f.Close()
	r := bufio.NewReader(f)
	for line := 1; ; line++ {
		text, err := r.ReadString('\n')
		if err != nil && err != io.EOF {
			return errors.Wrapf(err, "lac: read %s", path)
		}
		text = strings.TrimSuffix(text, "\n")
		if text != "" {
			if err := parsePair(text, fn); err != nil {
				return errors.Wrapf(err, "lac: %s line %d", path, line)
			}
		}
		if err == io.EOF {
			return nil
		}
	}
}

func parsePair(text string, fn func(left, right string) error) error {
	if !utf8.ValidString(text) {
		return errors.New("invalid UTF-8")
	}
	left, right, ok := strings.Cut(text, "\t")
	if !ok || strings.Contains(right, "\t") {
		return errors.Errorf("want two tab-separated fields, got %q", text)
	}
	return fn(left, right)
}
