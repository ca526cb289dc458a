package install

import (
	"strings"

	"github.com/gohub/gohub/hub/internal/msg"
	"github.com/gohub/gohub/hub/source"
	"github.com/pkg/errors"
)

// InstallError: no source could provide the module; Errs holds each source's reason, in
// the order they were tried.
type InstallError struct {
	Name, Version string
	Errs          []error
}

func (e *InstallError) Error() string {
	what := e.Name
	if e.Version != "" {
		what += "==" + e.Version
	}
	var b strings.Builder
	b.WriteString("could not install " + what + " from any source:")
	unreachable := false
	for _, err := range e.Errs {
		b.WriteString("\n  - " + err.Error())
		var u *source.UnreachableError
		unreachable = unreachable || errors.As(err, &u)
	}
	switch {
	case len(e.Errs) == 0:
		b.WriteString(" no sources are configured (gohub config set server URL)")
	case errors.Is(e, source.ErrNotFound):
		b.WriteString("\nCheck the name with: gohub search " + e.Name)
	case unreachable:
		b.WriteString("\nCheck the network, point gohub at a reachable source (gohub config set server URL, " +
			"or GOHUB_SERVER), or install from a file: gohub install ./" + e.Name + ".tar.gz")
	}
	return b.String()
}

// Is reports ErrNotFound when every source answered "not found".
func (e *InstallError) Is(target error) bool {
	if target != source.ErrNotFound || len(e.Errs) == 0 {
		return false
	}
	for _, err := range e.Errs {
		if !errors.Is(err, source.ErrNotFound) {
			return false
		}
	}
	return true
}

// As lets errors.As find a source's error (a *ChecksumError, an *UnreachableError...).

// InstallError has no Unwrap on purpose: errors.Is(err, ErrNotFound) must mean that every
// source said "not found", not just one of them.
func (e *InstallError) As(target any) bool {
	for _, err := range e.Errs {
		if errors.As(err, target) {
			return true
		}
	}
	return false
}

// TargetError: an install or download argument that is neither a valid module name nor
// an existing file or directory.
type TargetError struct {
	Arg, Reason string
}

func (e *TargetError) Error() string { return msg.Quote(e.Arg) + ": " + e.Reason }

// ModelLoadError: a model of a module being installed does not load (a truncated
// parameter file, a garbled program, an op the library lacks); nothing was installed.
type ModelLoadError struct {
	Module, Model string
	Err           error
}

func (e *ModelLoadError) Error() string {
	return "module " + e.Module + ": model " + msg.Quote(e.Model) + " does not load: " + e.Err.Error() +
		"\nNothing was installed (gohub install --force installs it anyway)."
}

func (e *ModelLoadError) Unwrap() error { return e.Err }
