package store

import (
	"github.com/gohub/gohub/hub/internal/msg"
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
	return "module " + msg.Quote(e.Name) + " is not installed in " + e.Home +
		" (install it with: gohub install " + e.Name + ")"
}

// Is makes errors.Is(err, ErrNotInstalled) true.
func (e *NotInstalledError) Is(target error) bool { return target == ErrNotInstalled }
