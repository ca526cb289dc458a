package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"

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

// interruptedError is a command stopped by SIGINT or SIGTERM: the signal, and the error
// the command returned as it stopped (nil in the context's cause).
type interruptedError struct {
	sig os.Signal
	err error
}

func (e *interruptedError) Error() string {
	if e.err == nil {
		return "interrupted by " + signalName(e.sig)
	}
	return "interrupted by " + signalName(e.sig) + ": " + e.err.Error()
}

func (e *interruptedError) Unwrap() error { return e.err }

// exitCode is 128+N for signal N, as a shell reports a command the signal killed.
func (e *interruptedError) exitCode() int {
	if s, ok := e.sig.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return exitRuntime
}

// signalName names the signals users send by name (Go's own names are "interrupt" and
// "terminated").
func signalName(sig os.Signal) string {
	switch sig {
	case os.Interrupt:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return sig.String()
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
	// An interrupted command says so first, then what it said as it stopped (e.g. that
	// nothing was installed).
	var sig *interruptedError
	if errors.As(err, &sig) {
		fmt.Fprintln(stderr, "gohub: interrupted by "+signalName(sig.sig))
		err = sig.err
	}
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
	var sig *interruptedError
	if errors.As(err, &sig) {
		return sig.exitCode()
	}
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
