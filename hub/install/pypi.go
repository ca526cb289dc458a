package install

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gohub/gohub/hub/progress"
	"github.com/gohub/gohub/hub/source"
	"github.com/pkg/errors"
)

// pipApplies reports whether a name can come from PyPI: only lac has a package there that
// holds its model.
func (in *Installer) pipApplies(name string) bool {
	return len(in.Pip) > 0 && source.MatchName(name, "lac")
}

// PipError: pip failed; Tail holds the end of its output.
type PipError struct {
	Cmd  string
	Err  error
	Tail string
}

func (e *PipError) Error() string {
	msg := "`" + e.Cmd + "` failed: " + e.Err.Error()
	if e.Tail != "" {
		msg += ": " + e.Tail
	}
	// LAC ships as a source archive whose metadata pip builds with setuptools' bdist_wheel.
	if strings.Contains(e.Tail, "bdist_wheel") || strings.Contains(e.Tail, "metadata-generation-failed") {
		msg += " (pip needs the 'wheel' package to prepare LAC's source archive: run `python3 -m pip install wheel`, or `make deps`)"
	}
	return msg
}

// pipDownload runs `pip download --no-deps lac[==version] -d dir` and returns the file it
// wrote: the sdist LAC-x.y.z.tar.gz or a wheel. pip checks the hashes PyPI publishes.
func (in *Installer) pipDownload(ctx context.Context, version, dir string) (string, error) {
	spec := "lac"
	if version != "" {
		spec += "==" + version
	}
	secs := max(1, int(in.timeout().Seconds()+0.5))
	args := append(append([]string{}, in.Pip[1:]...), "download", "--no-deps", "--disable-pip-version-check",
		"--timeout", strconv.Itoa(secs), "--retries", "1", "-d", dir, spec)
	in.Progress.Statusf("Downloading the LAC package from PyPI: %s %s", in.Pip[0], strings.Join(args, " "))
	cmd := exec.CommandContext(ctx, in.Pip[0], args...)
	var tail bytes.Buffer
	out := io.MultiWriter(progress.LineWriter(in.Progress), &tail)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Run(); err != nil {
		return "", &PipError{Cmd: in.Pip[0] + " " + strings.Join(args, " "), Err: err, Tail: lastLines(tail.String(), 3)}
	}
	for _, pattern := range []string{"[Ll][Aa][Cc]-*.tar.gz", "[Ll][Aa][Cc]-*.whl", "[Ll][Aa][Cc]-*.zip"} {
		if m, _ := filepath.Glob(filepath.Join(dir, pattern)); len(m) > 0 {
			return m[0], nil
		}
	}
	return "", errors.Errorf("pip reported success but wrote no LAC archive to %s", dir)
}

// installFromPip installs lac from the LAC package on PyPI.
func (in *Installer) installFromPip(ctx context.Context, version string) (*InstallResult, error) {
	dir, err := os.MkdirTemp(in.Home.TmpDir(), "pip-")
	if err != nil {
		return nil, errors.Wrap(err, "create a download directory")
	}
	defer os.RemoveAll(dir)
	archive, err := in.pipDownload(ctx, version, dir)
	if err != nil {
		return nil, err
	}
	return in.installArchive(ctx, archive, filepath.Base(archive), "PyPI "+filepath.Base(archive), "lac")
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " / ")
}
