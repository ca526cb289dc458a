package lexical

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/gohub/gohub/hub/kind"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// oracleDir holds the LAC package's own outputs (scripts/oracle/lac_pkg_golden.py, LAC
// 2.1.2 on paddlepaddle 1.8.5) for a fixed sentence set.
var oracleDir = filepath.Join("..", "..", "testdata", "lac_full")

type oracleRecord struct {
	Set  string   `json:"set"`
	Text string   `json:"text"`
	Word []string `json:"word"`
	Tag  []string `json:"tag"`
}

func readOracle(t *testing.T, name string) []oracleRecord {
	t.Helper()
	f, err := os.Open(filepath.Join(oracleDir, name))
	require.NoError(t, err)
	defer f.Close()
	var recs []oracleRecord
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r oracleRecord
		require.NoError(t, json.Unmarshal(sc.Bytes(), &r))
		recs = append(recs, r)
	}
	require.NoError(t, sc.Err())
	require.NotEmpty(t, recs)
	return recs
}

// TestOracle: our words and tags equal the LAC package's, word for word and tag for tag,
// in both modes, with and without the user dictionary, whatever the batching.
func TestOracle(t *testing.T) {
	userDict := filepath.Join(oracleDir, "user.dict")
	tests := []struct {
		file  string
		model string
		opts  Options
	}{
		{"oracle_lac.jsonl", "lac_model", Options{}},
		{"oracle_lac.jsonl", "lac_model", Options{RunOptions: kind.RunOptions{BatchSize: 7, Threads: 2}}},
		{"oracle_lac_user.jsonl", "lac_model", Options{UserDict: userDict}},
		{"oracle_seg.jsonl", "seg_model", Options{Mode: ModeSeg}},
		{"oracle_seg_user.jsonl", "seg_model", Options{Mode: ModeSeg, UserDict: userDict, RunOptions: kind.RunOptions{BatchSize: 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			recs := readOracle(t, tt.file)
			a := openPackage(t, tt.model, tt.opts)
			texts := make([]string, len(recs))
			for i, r := range recs {
				texts[i] = r.Text
			}
			got, err := a.Cut(texts)
			require.NoError(t, err)
			require.Len(t, got, len(recs))
			bad := 0
			for i, r := range recs {
				if !assert.Equal(t, r.Word, got[i].Word, "words of %q", r.Text) ||
					!assert.Equal(t, r.Tag, got[i].Tag, "tags of %q", r.Text) {
					bad++
				}
			}
			assert.Zero(t, bad, "%d of %d texts differ from the LAC package", bad, len(recs))
		})
	}
}
