package hub

import (
	"strings"

	"github.com/pkg/errors"
)

// ErrNotInstalled matches (errors.Is) every *NotInstalledError.
var ErrNotInstalled = errors.New("module not installed")

// NotInstalledError: no module of that name is installed in the home.
type NotInstalledError struct {
	Name string
	Home string
}

func (e *NotInstalledError) Error() string {
	return "module " + Quote(e.Name) + " is not installed in " + e.Home +
		" (install it with: gohub install " + e.Name + ")"
}

// Is makes errors.Is(err, ErrNotInstalled) true.
func (e *NotInstalledError) Is(target error) bool { return target == ErrNotInstalled }

// ErrNotFound matches (errors.Is) failures where every source answered that it has no
// such module or version, as opposed to sources that could not be asked.
var ErrNotFound = errors.New("module not found")

// NotFoundError: one source has no such module, or not that version.
type NotFoundError struct {
	Name, Version string
	Available     []string // the versions the source has, when a version was asked
}

func (e *NotFoundError) Error() string {
	if e.Version == "" {
		return "no module named " + Quote(e.Name)
	}
	msg := "no version " + e.Version + " of " + e.Name
	if len(e.Available) > 0 {
		msg += " (available: " + strings.Join(e.Available, ", ") + ")"
	}
	return msg
}

// Is makes errors.Is(err, ErrNotFound) true.
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

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
		var u *UnreachableError
		unreachable = unreachable || errors.As(err, &u)
	}
	switch {
	case len(e.Errs) == 0:
		b.WriteString(" no sources are configured (gohub config set server URL)")
	case errors.Is(e, ErrNotFound):
		b.WriteString("\nCheck the name with: gohub search " + e.Name)
	case unreachable:
		b.WriteString("\nCheck the network, point gohub at a reachable source (gohub config set server URL, " +
			"or GOHUB_SERVER), or install from a file: gohub install ./" + e.Name + ".tar.gz")
	}
	return b.String()
}

// Is reports ErrNotFound when every source answered "not found".
func (e *InstallError) Is(target error) bool {
	if target != ErrNotFound || len(e.Errs) == 0 {
		return false
	}
	for _, err := range e.Errs {
		if !errors.Is(err, ErrNotFound) {
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

func (e *TargetError) Error() string { return Quote(e.Arg) + ": " + e.Reason }

// ModelLoadError: a model of a module being installed does not load (a truncated
// parameter file, a garbled program, an op the library lacks); nothing was installed.
type ModelLoadError struct {
	Module, Model string
	Err           error
}

func (e *ModelLoadError) Error() string {
	return "module " + e.Module + ": model " + Quote(e.Model) + " does not load: " + e.Err.Error() +
		"\nNothing was installed (gohub install --force installs it anyway)."
}

func (e *ModelLoadError) Unwrap() error { return e.Err }
