package source

import (
	"strconv"
	"strings"
)

// CompareVersions orders versions such as 1.10.0 > 1.9.2 > 1.9 numerically part by part;
// non-numeric parts compare as text. PaddleHub's offline fallback sorted versions as
// strings, which ranks 1.9 above 1.10.
func CompareVersions(a, b string) int {
	split := func(v string) []string {
		return strings.FieldsFunc(v, func(r rune) bool { return r == '.' || r == '-' || r == '+' || r == '_' })
	}
	pa, pb := split(a), split(b)
	for i := 0; i < len(pa) || i < len(pb); i++ {
		var x, y string
		if i < len(pa) {
			x = pa[i]
		}
		if i < len(pb) {
			y = pb[i]
		}
		nx, ex := strconv.Atoi(x)
		ny, ey := strconv.Atoi(y)
		switch {
		case ex == nil && ey == nil && nx != ny:
			if nx < ny {
				return -1
			}
			return 1
		case (ex != nil || ey != nil) && x != y:
			// A missing part ranks below any present one: 1.0 < 1.0.1.
			if x == "" || (y != "" && x < y) {
				return -1
			}
			return 1
		}
	}
	return 0
}

// Latest returns the entry with the highest version; entries must not be empty.
func Latest(entries []Entry) Entry {
	best := entries[0]
	for _, e := range entries[1:] {
		if CompareVersions(e.Version, best.Version) > 0 {
			best = e
		}
	}
	return best
}
