package imgcls

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseLabels(t *testing.T) {
	l, err := ParseLabels("synset_words.txt", []byte("\ufeffn01440764 tench, Tinca tinca\r\n"+
		"n02123045 tabby, tabby cat\nn02124075 Egyptian cat\n\n"))
	require.NoError(t, err)
	assert.Equal(t, []string{"tench", "tabby", "Egyptian cat"}, l.Short)
	assert.Equal(t, []string{"tench, Tinca tinca", "tabby, tabby cat", "Egyptian cat"}, l.Full)

	// PaddleHub's label_list.txt has no synset ids; a label that merely starts with "n" keeps it.
	l, err = ParseLabels("label_list.txt", []byte("daisy\nsea anemone, anemone\nn1 not an id\n"))
	require.NoError(t, err)
	assert.Equal(t, []string{"daisy", "sea anemone", "n1 not an id"}, l.Short)
	assert.Equal(t, 3, l.Len())
}

func TestParseLabelsErrors(t *testing.T) {
	for body, want := range map[string]string{
		"":                "labels x.txt: empty file",
		"\n \n":           "labels x.txt: empty file",
		"cat\n\ndog\n":    "labels x.txt: line 2 is blank",
		"cat\n\xff\xfe\n": "not valid UTF-8",
	} {
		_, err := ParseLabels("x.txt", []byte(body))
		assert.ErrorContains(t, err, want, "%q", body)
	}
	_, err := LoadLabels("no/such/labels.txt")
	assert.ErrorContains(t, err, "no/such/labels.txt")
}
