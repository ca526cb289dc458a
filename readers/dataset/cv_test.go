package dataset

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gohub/gohub/internal/shared"
)

// writeFiles creates files (name → content) under dir; names ending in .jpg get a byte.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
}

func TestLoadCVParses(t *testing.T) {
	dir := t.TempDir()
	abs := filepath.Join(t.TempDir(), "elsewhere", "abs cat.jpg")
	writeFiles(t, filepath.Dir(abs), map[string]string{"abs cat.jpg": "x"})
	writeFiles(t, dir, map[string]string{
		"cat/a.jpg":             "x",
		"dog/my dog  2.jpg":     "x",
		"dog/b.jpg":             "x",
		"p/q r.png":             "x",
		DefaultLabels:           "cat\ndog\n",
		DefaultTrain:            "\ufeffcat/a.jpg 0\r\ndog/my dog  2.jpg 1\n\n  dog/b.jpg 1  \n" + abs + " 0\n",
		DefaultDev:              "cat/a.jpg 0\n",
		DefaultPredict:          "p/q r.png\ncat/a.jpg 0\n",
		"unused/test_list2.txt": "cat/a.jpg 0\n",
	})
	cv, err := LoadCV(dir, CVFiles{})
	require.NoError(t, err)
	assert.Equal(t, []string{"cat", "dog"}, cv.Labels)
	assert.Equal(t, 2, cv.NumLabels())
	assert.Equal(t, []Example{
		{filepath.Join(dir, "cat", "a.jpg"), 0},
		{filepath.Join(dir, "dog", "my dog  2.jpg"), 1}, // two spaces kept, as " ".join(items[:-1])
		{filepath.Join(dir, "dog", "b.jpg"), 1},
		{abs, 0},
	}, cv.Train)
	assert.Equal(t, []Example{{filepath.Join(dir, "cat", "a.jpg"), 0}}, cv.Dev)
	assert.Empty(t, cv.Test, "default test list absent: empty split")
	assert.Equal(t, []Example{{filepath.Join(dir, "p", "q r.png"), -1}, {filepath.Join(dir, "cat", "a.jpg"), 0}}, cv.Predict)

	// Explicit names, None, LabelList.
	cv, err = LoadCV(dir, CVFiles{Train: None, Dev: None, Test: "unused/test_list2.txt", Predict: None, LabelList: []string{"c", "d", "e"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"c", "d", "e"}, cv.Labels)
	assert.Empty(t, cv.Train)
	assert.Len(t, cv.Test, 1)
	assert.Empty(t, cv.Predict)
}

func TestLoadCVLineErrors(t *testing.T) {
	cases := []struct {
		name, list, want string
		line             int
	}{
		{"no label", "a.jpg 0\na.jpg\n", "no label", 2},
		{"tab", "a.jpg\t0\n", "tab", 1},
		{"not integer", "a.jpg 0\n\na.jpg cat\n", `label "cat" is not an integer`, 3},
		{"out of range", "a.jpg 2\n", "label 2 is out of range: the label list has 2 classes (0..1)", 1},
		{"negative", "a.jpg -1\n", "label -1 is negative", 1},
		{"surrounding space", "a.jpg 0\n a.jpg 1 \n", "", 0}, // stripped, as PaddleHub does
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, map[string]string{"a.jpg": "x", DefaultLabels: "cat\ndog\n", DefaultTrain: c.list})
			_, err := LoadCV(dir, CVFiles{})
			if c.want == "" {
				require.NoError(t, err)
				return
			}
			var le *LineError
			require.ErrorAs(t, err, &le)
			assert.Equal(t, c.line, le.Line)
			assert.Equal(t, filepath.Join(dir, DefaultTrain), le.File)
			assert.Contains(t, err.Error(), c.want)
			assert.True(t, strings.HasPrefix(err.Error(), le.File+":"), err.Error())
		})
	}
}

func TestLoadCVMissing(t *testing.T) {
	dir := t.TempDir()
	var list strings.Builder
	for i := range 9 {
		list.WriteString("m" + string(rune('0'+i)) + ".jpg 0\n")
	}
	list.WriteString("ok.jpg 1\n")
	writeFiles(t, dir, map[string]string{"ok.jpg": "x", DefaultLabels: "a\nb", DefaultTest: list.String()})
	_, err := LoadCV(dir, CVFiles{})
	var me *MissingError
	require.ErrorAs(t, err, &me)
	assert.Equal(t, 9, me.Count)
	assert.Equal(t, 10, me.Total)
	require.Len(t, me.First, maxMissingNamed)
	assert.Equal(t, 1, me.First[0].Line)
	assert.Contains(t, err.Error(), "9 of the 10 images")
	assert.Contains(t, err.Error(), filepath.Join(dir, "m0.jpg")+" ("+filepath.Join(dir, DefaultTest)+":1)")
	assert.NotContains(t, err.Error(), "m5.jpg")

	cv, err := LoadCV(dir, CVFiles{SkipExistCheck: true})
	require.NoError(t, err)
	assert.Len(t, cv.Test, 10)
}

func TestLoadCVRequirements(t *testing.T) {
	dir := t.TempDir()
	_, err := LoadCV(dir, CVFiles{})
	assert.ErrorContains(t, err, "none of the train, validate and test lists exists")

	writeFiles(t, dir, map[string]string{"a.jpg": "x", DefaultTrain: "a.jpg 0\n"})
	_, err = LoadCV(dir, CVFiles{})
	assert.ErrorContains(t, err, "a train list needs the class names")

	_, err = LoadCV(dir, CVFiles{Labels: "labels.txt"})
	assert.ErrorContains(t, err, "labels.txt", "an explicitly named file must exist")

	// Without a train list the labels are optional; dev labels are then only checked >= 0.
	writeFiles(t, dir, map[string]string{DefaultDev: "a.jpg 7\n"})
	cv, err := LoadCV(dir, CVFiles{Train: None})
	require.NoError(t, err)
	assert.Nil(t, cv.Labels)
	assert.Equal(t, int64(7), cv.Dev[0].Label)

	writeFiles(t, dir, map[string]string{DefaultLabels: "a\n\nb\n"})
	_, err = LoadCV(dir, CVFiles{})
	assert.ErrorContains(t, err, "line 2 is blank")
}

func TestLoadCVCatDog(t *testing.T) {
	base, err := shared.Path("data", "catdog")
	if err != nil {
		t.Skipf("shared data absent: %v", err)
	}
	cv, err := LoadCV(base, CVFiles{})
	require.NoError(t, err)
	assert.Equal(t, []string{"cat", "dog"}, cv.Labels)
	assert.Len(t, cv.Train, 1400)
	assert.Len(t, cv.Dev, 600)
	assert.Len(t, cv.Test, 400)
	assert.Empty(t, cv.Predict)
	assert.Equal(t, Example{filepath.Join(base, "cat", "cat.1.jpg"), 0}, cv.Train[0])
	assert.Equal(t, Example{filepath.Join(base, "dog", "dog.1.jpg"), 1}, cv.Train[1])
}

func TestUnlabelled(t *testing.T) {
	assert.Equal(t, []Example{{"a.jpg", -1}, {"b c.png", -1}}, Unlabelled("a.jpg", "b c.png"))
	assert.Empty(t, Unlabelled())
}
