package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/gohub/gohub/hub/importer"
	"github.com/gohub/gohub/hub/install"
	"github.com/gohub/gohub/hub/source"
	"github.com/gohub/gohub/hub/store"
	"github.com/pkg/errors"
	"github.com/urfave/cli/v2"
)

// Exit statuses.
const (
	exitOK      = 0
	exitUsage   = 1 // bad usage, or the module does not exist
	exitRuntime = 2 // anything that went wrong while working
)

// usageError is a mistake in the command line.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usageErrorf(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

func onUsageError(c *cli.Context, err error, _ bool) error {
	return &usageError{msg: err.Error()}
}

// report prints err on stderr with what to do next and returns the exit status.
func report(stderr io.Writer, err error) int {
	if err == nil {
		return exitOK
	}
	code := exitCode(err)
	msg := strings.TrimRight(err.Error(), "\n")
	if msg == "" {
		return code
	}
	if !strings.HasPrefix(msg, "gohub") {
		msg = "gohub: " + msg
	}
	fmt.Fprintln(stderr, msg)
	var u *usageError
	if errors.As(err, &u) {
		fmt.Fprintln(stderr, "Run 'gohub help' or 'gohub help COMMAND' for usage.")
	}
	return code
}

func exitCode(err error) int {
	var (
		u           *usageError
		coder       cli.ExitCoder
		target      *install.TargetError
		notModule   *importer.NotAModuleError
		unsupported *importer.UnsupportedModuleError
		fromSource  *install.InstallError
	)
	// A file or directory the user named that is no (supported) module is their mistake;
	// the same from a remote source is the source's, a runtime failure.
	userPath := !errors.As(err, &fromSource) && (errors.As(err, &notModule) || errors.As(err, &unsupported))
	switch {
	case errors.As(err, &u), errors.As(err, &target), userPath,
		errors.Is(err, store.ErrNotInstalled), errors.Is(err, source.ErrNotFound):
		return exitUsage
	case errors.As(err, &coder):
		return coder.ExitCode()
	}
	return exitRuntime
}
