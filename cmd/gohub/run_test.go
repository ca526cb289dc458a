package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gohub/gohub/hub/install"
	"github.com/gohub/gohub/hub/kind"
	"github.com/gohub/gohub/hub/store"
	"github.com/gohub/gohub/internal/settings"
	"github.com/gohub/gohub/internal/shared"
)

// runGohub runs gohub run in process, as main does, with stdin as standard input, and
// returns its output and exit status.
func runGohub(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	if stdin != "" {
		r, w, err := os.Pipe()
		require.NoError(t, err)
		go func() {
			_, _ = w.WriteString(stdin)
			_ = w.Close()
		}()
		old := os.Stdin
		os.Stdin = r
		t.Cleanup(func() { os.Stdin = old })
	}
	var out, errOut bytes.Buffer
	code = run(context.Background(), append([]string{"gohub", "run"}, args...), &out, &errOut)
	return out.String(), errOut.String(), code
}

// segHome sets GOHUB_HOME to a store holding a module "lac" whose only model is the
// shared LAC segmentation model (linked), so that these tests run without the LAC package.
func segHome(t *testing.T) {
	t.Helper()
	src, err := shared.Path("models", "lac_seg")
	if err != nil {
		t.Skipf("shared LAC seg model absent: %v", err)
	}
	h := store.Home{Root: t.TempDir()}
	dir := filepath.Join(h.ModulesDir(), "lac")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	for _, link := range []string{"model", "conf"} {
		require.NoError(t, os.Symlink(filepath.Join(src, link), filepath.Join(dir, link)))
	}
	m := &store.Manifest{Name: "lac", Version: "2.1.2", Kind: store.KindLexicalAnalysis,
		Models: []store.Model{{Name: "seg", Layout: store.LayoutDir, Dir: "model"}},
		Assets: map[string]string{store.AssetWordDict: "conf/word.dic", store.AssetQ2BDict: "conf/q2b.dic", store.AssetTagDict: "conf/tag.dic"},
	}
	require.NoError(t, m.Save(dir))
	t.Setenv(settings.Home.Name, h.Root)
}

// lacSdist is the LAC package from PyPI as `make oracle-lac` downloads it.
var lacSdist = filepath.Join("..", "..", "build", "lac-pkg", "LAC-2.1.2.tar.gz")

// lacHome sets GOHUB_HOME to a store with the real LAC package installed, or skips.
func lacHome(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(lacSdist); err != nil {
		t.Skipf("LAC sdist absent (%v): run `make oracle-lac`", err)
	}
	h := store.Home{Root: t.TempDir()}
	_, err := (&install.Installer{Home: h}).Install(context.Background(), lacSdist)
	require.NoError(t, err)
	t.Setenv(settings.Home.Name, h.Root)
}

func writeInput(t *testing.T, name, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(body), 0o644))
	return path
}

func TestRunLAC(t *testing.T) {
	lacHome(t)
	dict := writeInput(t, "user.dict", "春天/SEASON\n花/n 开/v\n秋天的风\n落 阳\n")
	old := writeInput(t, "old.dict", "好日子\tTIME\t100\n")
	file := writeInput(t, "in.txt", "\ufeff今天是个好日子\r\n\n  春天的花开秋天的风以及冬天的落阳  \n")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"text", []string{"lac", "--input_text", "今天是个好日子"}, "今天/TIME 是/v 个/q 好日子/n\n"},
		{"flags first", []string{"--input_text", "今天是个好日子", "--return_tag=false", "lac"}, "今天 是 个 好日子\n"},
		{"json", []string{"lac", "--input_text", "今天是个好日子", "--output", "json"},
			`{"word":["今天","是","个","好日子"],"tag":["TIME","v","q","n"]}` + "\n"},
		{"json no tag", []string{"lac", "--input_text", "今天是个好日子", "--output=json", "--return_tag=false"},
			`{"word":["今天","是","个","好日子"]}` + "\n"},
		{"empty text", []string{"lac", "--input_text", "", "--output", "json"}, `{"word":[],"tag":[]}` + "\n"},
		{"seg", []string{"lac", "--mode", "seg", "--input_text", "今天是个好日子"}, "今天 是 个 好日子\n"},
		{"file", []string{"lac", "--input_file", file, "--batch_size", "1", "--threads", "2"},
			"今天/TIME 是/v 个/q 好日子/n\n\n春天/TIME 的/u 花开/v 秋天/TIME 的/u 风/n 以及/c 冬天/TIME 的/u 落阳/vn\n"},
		{"user dict", []string{"lac", "--input_file", file, "--user_dict", dict},
			"今天/TIME 是/v 个/q 好日子/n\n\n春天/SEASON 的/u 花/n 开/v 秋天的风/n 以及/c 冬天/TIME 的/u 落/vn 阳/vn\n"},
		{"old user dict", []string{"lac", "--input_text", "今天是个好日子", "--user_dict", old}, "今天/TIME 是/v 个/q 好日子/TIME\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := runGohub(t, "", tt.args...)
			assert.Equal(t, 0, code, errOut)
			assert.Equal(t, tt.want, out)
		})
	}
}

func TestRunSegStdin(t *testing.T) {
	segHome(t)
	out, errOut, code := runGohub(t, "今天是个好日子\n我爱北京天安门", "lac", "--input_file", "-", "--output", "json")
	assert.Equal(t, 0, code, errOut)
	assert.Equal(t, `{"word":["今天","是","个","好日子"]}`+"\n"+`{"word":["我","爱","北京","天安门"]}`+"\n", out)
}

// A file longer than one chunk streams through in order.
func TestRunFileStreams(t *testing.T) {
	segHome(t)
	lines := make([]string, 23)
	for i := range lines {
		lines[i] = "我爱北京"
	}
	file := writeInput(t, "in.txt", strings.Join(lines, "\n")+"\n")
	out, errOut, code := runGohub(t, "", "lac", "--input_file", file, "--batch_size", "2", "--threads", "2")
	assert.Equal(t, 0, code, errOut)
	assert.Equal(t, strings.Repeat("我 爱 北京\n", 23), out)
}

func TestRunErrors(t *testing.T) {
	segHome(t)
	bad := writeInput(t, "bad.txt", "好\n\xff\xfe\n")
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no module", nil, 1, "which module?"},
		{"not installed", []string{"ernie", "--input_text", "好"}, 1, "gohub install ernie"},
		{"no input", []string{"lac"}, 1, "no input: give --input_text"},
		{"both inputs", []string{"lac", "--input_text", "好", "--input_file", bad}, 1, "not both"},
		{"bad utf8 text", []string{"lac", "--input_text", "\xff"}, 1, "--input_text is not valid UTF-8"},
		{"bad utf8 line", []string{"lac", "--input_file", bad}, 1, "line 2 is not valid UTF-8"},
		{"missing file", []string{"lac", "--input_file", filepath.Join(t.TempDir(), "none.txt")}, 1, "no such file"},
		{"missing dict", []string{"lac", "--input_text", "好", "--user_dict", "/nonexistent/user.dict"}, 1, "--user_dict"},
		{"bad output", []string{"lac", "--input_text", "好", "--output", "xml"}, 1, `--output "xml"`},
		{"bad mode", []string{"lac", "--input_text", "好", "--mode", "pos"}, 1, `--mode "pos"`},
		{"bad batch", []string{"lac", "--input_text", "好", "--batch_size", "0"}, 1, "--batch_size 0"},
		{"python bool", []string{"lac", "--input_text", "好", "--use_gpu", "True"}, 1, "--return_tag=false"},
		{"unknown flag", []string{"lac", "--input_txt", "好"}, 1, "input_txt"},
		{"bad dict contents", []string{"lac", "--input_text", "好", "--mode", "seg", "--user_dict", bad}, 2, "not valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := runGohub(t, "", tt.args...)
			assert.Equal(t, tt.code, code, errOut)
			assert.Contains(t, errOut, tt.want)
			assert.Empty(t, out)
		})
	}
}

// --use_gpu runs on the GPU where the CUDA backend works, else fails at run time with the
// library's reason: it is never ignored.
func TestRunUseGPU(t *testing.T) {
	segHome(t)
	for _, args := range [][]string{{"--use_gpu"}, {"--use_gpu", "--gpu_id", "0", "--gpu_tf32"}} {
		out, errOut, code := runGohub(t, "", append([]string{"lac", "--input_text", "今天是个好日子"}, args...)...)
		if refusedForNoGPU(t, code, out, errOut, args) {
			continue
		}
		assert.Equal(t, 0, code, "%v: %s", args, errOut)
		assert.Equal(t, "今天 是 个 好日子\n", out, args)
	}
}

// GPU settings without --use_gpu would be ignored, so they are usage errors.
func TestRunGPUFlagsNeedUseGPU(t *testing.T) {
	segHome(t)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--gpu_tf32"}, "give --use_gpu too"},
		{[]string{"--gpu_id", "1"}, "give --use_gpu too"},
		{[]string{"--use_gpu", "--gpu_id", "-1"}, "--gpu_id -1"},
	} {
		out, errOut, code := runGohub(t, "", append([]string{"lac", "--input_text", "好"}, tt.args...)...)
		assert.Equal(t, 1, code, "%v: %s", tt.args, errOut)
		assert.Contains(t, errOut, tt.want, tt.args)
		assert.Empty(t, out, tt.args)
	}
}

func TestRunHelp(t *testing.T) {
	for _, args := range [][]string{{"lac", "--help"}, {"--help"}} {
		out, errOut, code := runGohub(t, "", args...)
		assert.Equal(t, 0, code, errOut)
		assert.Contains(t, out, "--input_text TEXT")
		for _, want := range []string{"--use_gpu", "--gpu_id N", "--gpu_tf32", "GOHUB_CUDA_BACKEND", "TF32"} {
			assert.Contains(t, out, want)
		}
	}
}

// A module without the model asked for is a usage error naming the models it has.
func TestRunUnknownModel(t *testing.T) {
	segHome(t)
	dir := filepath.Join(settings.Home.Value(), "modules", "lac")
	m, err := store.LoadManifest(dir)
	require.NoError(t, err)
	m.Models[0].Name = "lac"
	require.NoError(t, m.Save(dir))
	_, errOut, code := runGohub(t, "", "lac", "--input_text", "好", "--mode", "seg")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, `has no model "seg"`)
}

// The built binary: `gohub install` of the LAC package, then `gohub run`, as a user types.
func TestRunBinary(t *testing.T) {
	r := newRunner(t)
	res := r.run("run", "lac", "--input_text", "今天是个好日子")
	assert.Equal(t, 1, res.code)
	assert.Contains(t, res.stderr, "gohub install lac")
	assert.Empty(t, res.stdout)

	sdist, err := filepath.Abs(lacSdist)
	require.NoError(t, err)
	if _, err := os.Stat(sdist); err != nil {
		t.Skipf("LAC sdist absent (%v): run `make oracle-lac`", err)
	}
	res = r.run("install", sdist)
	require.Equal(t, 0, res.code, res.stderr)
	res = r.run("run", "lac", "--input_text", "今天是个好日子")
	assert.Equal(t, 0, res.code, res.stderr)
	assert.Equal(t, "今天/TIME 是/v 个/q 好日子/n\n", res.stdout)
}

// --model lite runs lac's Paddle-Lite tagger, installed from its directory beside the seg
// model; every character lands in one word, each word with a tag from its tag.dic.
func TestRunLiteModel(t *testing.T) {
	segHome(t)
	src, err := shared.Path("models", "lac_lite")
	if err != nil {
		t.Skipf("shared Paddle-Lite LAC model absent: %v", err)
	}
	_, err = (&install.Installer{Home: store.Home{Root: settings.Home.Value()}}).Install(context.Background(), src)
	require.NoError(t, err)

	out, errOut, code := runGohub(t, "", "lac", "--model", "lite", "--input_text", "我爱北京天安门", "--output", "json")
	require.Equal(t, 0, code, errOut)
	var res struct{ Word, Tag []string }
	require.NoError(t, json.Unmarshal([]byte(out), &res))
	assert.Equal(t, "我爱北京天安门", strings.Join(res.Word, ""))
	require.Len(t, res.Tag, len(res.Word))
	tagDic, err := os.ReadFile(filepath.Join(src, "tag.dic"))
	require.NoError(t, err)
	for _, tag := range res.Tag {
		assert.Contains(t, string(tagDic), "\t"+tag+"-B", "tag %q is one of the lite model's", tag)
	}

	_, errOut, code = runGohub(t, "", "lac", "--model", "lite", "--mode", "seg", "--input_text", "好")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "not both")
}

// Every kind that hub can load has a runner here.
func TestEveryKindHasARunner(t *testing.T) {
	for _, k := range kind.Registered() {
		assert.Contains(t, kindRunners, k)
	}
}
