package lexical

import "encoding/json"

// Result is the analysis of one text, with PaddleHub's field names. Word and Tag have one
// entry per word; Tag is nil where no tags were asked for (ModeSeg, Options.NoTag).
type Result struct {
	Word []string
	Tag  []string
}

// MarshalJSON writes {"word": [...], "tag": [...]}, leaving "tag" out when Tag is nil, as
// PaddleHub drops the key with return_tag=False. An empty text gives empty arrays, never null.
func (r Result) MarshalJSON() ([]byte, error) {
	type withTag struct {
		Word []string `json:"word"`
		Tag  []string `json:"tag"`
	}
	type wordOnly struct {
		Word []string `json:"word"`
	}
	word := r.Word
	if word == nil {
		word = []string{}
	}
	if r.Tag == nil {
		return json.Marshal(wordOnly{word})
	}
	return json.Marshal(withTag{word, r.Tag})
}
