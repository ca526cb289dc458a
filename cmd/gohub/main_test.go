package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"
)

// binary is the gohub executable built once for the CLI tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "gohub-cli-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	binary = filepath.Join(dir, "gohub")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build gohub:", err)
		os.RemoveAll(dir)
		os.Exit(2)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// binRunner runs the binary with a private home; env entries override the defaults.
type binRunner struct {
	t    *testing.T
	home string
	env  map[string]string
}

func newRunner(t *testing.T) *binRunner {
	return &binRunner{t: t, home: t.TempDir(), env: map[string]string{
		"GOHUB_SERVER":  closedURL(t),
		"GOHUB_PIP":     "off",
		"GOHUB_TIMEOUT": "500ms",
	}}
}

type result struct {
	stdout, stderr string
	code           int
}

// command prepares the binary with the runner's home and environment.
func (c *binRunner) command(args ...string) *exec.Cmd {
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), "GOHUB_HOME="+c.home)
	for k, v := range c.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	return cmd
}

func (c *binRunner) run(args ...string) result {
	c.t.Helper()
	cmd := c.command(args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else {
		require.NoError(c.t, err)
	}
	return result{stdout: stdout.String(), stderr: stderr.String(), code: code}
}

// closedURL is an http URL on which nothing listens.
func closedURL(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr + "/paddlehub"
}

// moduleFiles is a small gohub module named name under prefix. Its model files are
// stand-ins that do not load: installing it takes --force.
func moduleFiles(prefix, name, version string) map[string]string {
	return map[string]string{
		prefix + "module.yaml": "name: " + name + "\nversion: " + version + "\nkind: image_classification\nsummary: a " + name + " for tests\n" +
			"models:\n  - name: classification\n    layout: files\n    program: model/m.pdmodel\n    params: model/m.pdiparams\n" +
			"    inputs: [{name: image, dtype: float32, shape: [-1, 3, 8, 8]}]\n    outputs: [{name: prob, dtype: float32, shape: [-1, 2]}]\n",
		prefix + "model/m.pdmodel":   "program",
		prefix + "model/m.pdiparams": "params",
	}
}

// writeTarGz writes files into a .tar.gz at path.
func writeTarGz(t *testing.T, path string, files map[string]string) string {
	t.Helper()
	var names []string
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	f, err := os.Create(path)
	require.NoError(t, err)
	defer f.Close()
	gz := gzip.NewWriter(f)
	tw := tar.NewWriter(gz)
	for _, n := range names {
		require.NoError(t, tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(files[n])), Typeflag: tar.TypeReg}))
		_, err := tw.Write([]byte(files[n]))
		require.NoError(t, err)
	}
	require.NoError(t, tw.Close())
	require.NoError(t, gz.Close())
	return path
}
