package lexical

import (
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gohub/gohub/hub/kind"
	"github.com/gohub/gohub/internal/shared"
)

// openSharedSeg opens the segmentation model in the project's shared models, which the
// tests have even without the LAC package.
func openSharedSeg(t *testing.T, opts Options) *Analyzer {
	t.Helper()
	dir, err := shared.Path("models", "lac_seg")
	if err != nil {
		t.Skipf("shared LAC seg model absent: %v", err)
	}
	opts.Mode = ModeSeg
	a, err := Open(dir, opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = a.Close() })
	return a
}

func TestCutLAC(t *testing.T) {
	a := openPackage(t, "lac_model", Options{})
	assert.Equal(t, ModeLAC, a.Mode())
	got, err := a.Cut([]string{"今天是个好日子", "", "春天的花开秋天的风以及冬天的落阳", " "})
	require.NoError(t, err)
	// PaddleHub's golden outputs (test_lac.py); an empty text gives an empty result.
	assert.Equal(t, []Result{
		{Word: []string{"今天", "是", "个", "好日子"}, Tag: []string{"TIME", "v", "q", "n"}},
		{Word: []string{}, Tag: []string{}},
		{Word: []string{"春天", "的", "花开", "秋天", "的", "风", "以及", "冬天", "的", "落阳"},
			Tag: []string{"TIME", "u", "v", "TIME", "u", "n", "c", "TIME", "u", "vn"}},
		{Word: []string{" "}, Tag: []string{"w"}},
	}, got)
}

func TestCutUserDict(t *testing.T) {
	dict := writeFile(t, "user.dict", "春天/SEASON\n花/n 开/v\n秋天的风\n落 阳\n")
	a := openPackage(t, "lac_model", Options{UserDict: dict})
	got, err := a.Cut([]string{"春天的花开秋天的风以及冬天的落阳"})
	require.NoError(t, err)
	// PaddleHub's README for lac 2.2.0.
	assert.Equal(t, []string{"春天", "的", "花", "开", "秋天的风", "以及", "冬天", "的", "落", "阳"}, got[0].Word)
	assert.Equal(t, []string{"SEASON", "u", "n", "v", "n", "c", "TIME", "u", "vn", "vn"}, got[0].Tag)
}

func TestCutOldFormatUserDict(t *testing.T) {
	texts := []string{"今天天气预报说有雨", "天气预报"}
	oldDict := writeFile(t, "old.dict", "天气预报\tn\t400000\n")
	newDict := writeFile(t, "new.dict", "天气预报/n\n")
	want, err := openPackage(t, "lac_model", Options{UserDict: newDict}).Cut(texts)
	require.NoError(t, err)
	got, err := openPackage(t, "lac_model", Options{UserDict: oldDict}).Cut(texts)
	require.NoError(t, err)
	assert.Equal(t, want, got)
	assert.Contains(t, got[0].Word, "天气预报")
}

func TestCutNoTag(t *testing.T) {
	a := openPackage(t, "lac_model", Options{NoTag: true})
	got, err := a.Cut([]string{"今天是个好日子", ""})
	require.NoError(t, err)
	assert.Equal(t, []Result{{Word: []string{"今天", "是", "个", "好日子"}}, {Word: []string{}}}, got)
}

func TestCutSeg(t *testing.T) {
	a := openSharedSeg(t, Options{})
	got, err := a.Cut([]string{"今天是个好日子", ""})
	require.NoError(t, err)
	assert.Equal(t, []Result{{Word: []string{"今天", "是", "个", "好日子"}}, {Word: []string{}}}, got)
	got, err = a.Cut(nil)
	require.NoError(t, err)
	assert.Empty(t, got)
}

func TestCutInvalidUTF8(t *testing.T) {
	a := openSharedSeg(t, Options{})
	_, err := a.Cut([]string{"好", "bad\xff"})
	assert.ErrorContains(t, err, "text 1 is not valid UTF-8")
}

// Concurrent calls, each split over several predictors, give the sequential results.
func TestCutConcurrent(t *testing.T) {
	a := openSharedSeg(t, Options{RunOptions: kind.RunOptions{Threads: 3, BatchSize: 2}})
	texts := make([]string, 25)
	for i := range texts {
		texts[i] = fmt.Sprintf("我爱北京天安门%d号", i)
	}
	want, err := a.Cut(texts)
	require.NoError(t, err)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := a.Cut(texts)
			assert.NoError(t, err)
			assert.Equal(t, want, got)
		}()
	}
	wg.Wait()
}

func TestClose(t *testing.T) {
	a := openSharedSeg(t, Options{RunOptions: kind.RunOptions{Threads: 2}})
	require.NoError(t, a.Close())
	require.NoError(t, a.Close())
	_, err := a.Cut([]string{"好"})
	assert.ErrorContains(t, err, "closed")
}

func TestOpenErrors(t *testing.T) {
	seg, err := shared.Path("models", "lac_seg")
	if err != nil {
		t.Skipf("shared LAC seg model absent: %v", err)
	}
	files := PackageFiles(seg)
	noModel := files
	noModel.ModelDir = filepath.Join(t.TempDir(), "model")
	combined := files
	combined.ModelDir = ""
	tests := []struct {
		name  string
		files Files
		opts  Options
		want  string
	}{
		{"no dictionaries", PackageFiles(t.TempDir()), Options{}, "word.dic"},
		{"bad mode", files, Options{Mode: "pos"}, `unknown mode "pos"`},
		{"negative batch", files, Options{RunOptions: kind.RunOptions{BatchSize: -1}}, "must not be negative"},
		{"no model dir", noModel, Options{Mode: ModeSeg}, "lexical: model"},
		{"no model at all", combined, Options{Mode: ModeSeg}, "no model given"},
		{"no user dict", files, Options{Mode: ModeSeg, UserDict: filepath.Join(t.TempDir(), "u.dict")}, "read user dictionary"},
		{"bad seg dict", Files{ModelDir: files.ModelDir, WordDict: files.WordDict, Q2BDict: files.Q2BDict,
			TagDict: files.TagDict, SegDict: writeFile(t, "small_seg.dic", "x\n")}, Options{}, "small_seg.dic line 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := OpenFiles(tt.files, tt.opts)
			assert.ErrorContains(t, err, tt.want)
		})
	}
	_, err = Open(t.TempDir(), Options{})
	assert.ErrorContains(t, err, "word.dic")
}

// UseGPU runs on a GPU where the library has CUDA and fails clearly where it has not.
func TestUseGPU(t *testing.T) {
	dir, err := shared.Path("models", "lac_seg")
	if err != nil {
		t.Skipf("shared LAC seg model absent: %v", err)
	}
	a, err := Open(dir, Options{Mode: ModeSeg, RunOptions: kind.RunOptions{UseGPU: true}})
	if err != nil {
		assert.ErrorContains(t, err, "GPU")
		return
	}
	defer a.Close()
	got, err := a.Cut([]string{"今天是个好日子"})
	require.NoError(t, err)
	assert.Equal(t, []string{"今天", "是", "个", "好日子"}, got[0].Word)
}
