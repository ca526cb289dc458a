package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/gohub/gohub/internal/settings"
)

// The image cases of testdata/models hold the tensor our reader made from a photo when the
// golden outputs were written; a change to readers/picture that alters it would leave the
// model test comparing stale inputs, so the committed tensor must still be what prepare makes.
func TestCommittedInputsMatchReader(t *testing.T) {
	shared := settings.SharedDir()
	if shared == "" {
		shared = filepath.Join("..", "..", "..", "..", "shared")
	}
	cases, err := filepath.Glob(filepath.Join("..", "..", "..", "testdata", "models", "*", "case.json"))
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, path := range cases {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var meta struct {
			Image  string `json:"image"`
			Recipe string `json:"image_recipe"`
			Inputs []struct {
				File string `json:"file"`
			} `json:"inputs"`
		}
		if err := json.Unmarshal(raw, &meta); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if meta.Image == "" {
			continue
		}
		photo := filepath.Join(shared, meta.Image)
		if _, err := os.Stat(photo); err != nil {
			t.Skipf("%s is not there (set GOHUB_SHARED to the directory that holds models/ and data/)", photo)
		}
		recipe := meta.Recipe
		if recipe == "" {
			recipe = "classifier"
		}
		got, err := prepare(recipe, photo)
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join(filepath.Dir(path), meta.Inputs[0].File))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: readers/picture no longer makes the committed input from %s; rerun make oracle-models", path, meta.Image)
		}
		checked++
	}
	if checked == 0 {
		t.Error("no image cases in testdata/models")
	}
}
