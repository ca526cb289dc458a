package serving

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The expected texts are what Python 3's repr() prints.
func TestPyFloat(t *testing.T) {
	for f, want := range map[float64]string{
		0:                 "0.0",
		1:                 "1.0",
		-2:                "-2.0",
		0.1:               "0.1",
		0.540287435054779: "0.540287435054779",
		177:               "177.0",
		0.0001:            "0.0001",
		0.00001:           "1e-05",
		0.000012345:       "1.2345e-05",
		123456789:         "123456789.0",
		1e15:              "1000000000000000.0",
		1e16:              "1e+16",
		1.5e300:           "1.5e+300",
		math.Inf(1):       "inf",
		math.Inf(-1):      "-inf",
	} {
		assert.Equal(t, want, pyFloat(f), "%v", f)
	}
	assert.Equal(t, "-0.0", pyFloat(math.Copysign(0, -1)))
	assert.Equal(t, "nan", pyFloat(math.NaN()))
}

func TestPyStr(t *testing.T) {
	for s, want := range map[string]string{
		"Egyptian cat":  `'Egyptian cat'`,
		"NO MASK":       `'NO MASK'`,
		"今天":            `'今天'`,
		"it's":          `"it's"`,
		`a'b"c`:         `'a\'b"c'`,
		`say "hi"`:      `'say "hi"'`,
		`back\slash`:    `'back\\slash'`,
		"tab\tnl\ncr\r": `'tab\tnl\ncr\r'`,
		"\x00\x7f":      `'\x00\x7f'`,
		"nb\u00a0sp":    `'nb\xa0sp'`,
		"wide\u3000sp":  `'wide\u3000sp'`,
		"":              `''`,
	} {
		assert.Equal(t, want, pyStr(s), "%q", s)
	}
}

func TestPyLiteral(t *testing.T) {
	got, err := pyLiteral([]any{
		pyDict{{"data", []any{pyDict{{"label", "car"}, {"confidence", 0.93}, {"left", 12.0}}}}, {"path", "a.jpg"}},
		pyDict{{"data", "No face."}, {"id", 2}, {"path", ""}},
		[]any{},
	})
	require.NoError(t, err)
	assert.Equal(t, `[{'data': [{'label': 'car', 'confidence': 0.93, 'left': 12.0}], 'path': 'a.jpg'}, {'data': 'No face.', 'id': 2, 'path': ''}, []]`, got)
	_, err = pyLiteral([]any{true})
	assert.ErrorContains(t, err, "no Python literal for bool")
}
