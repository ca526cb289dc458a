package source

import (
	"strings"

	"github.com/gohub/gohub/hub/internal/msg"
	"github.com/pkg/errors"
)

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
		return "no module named " + msg.Quote(e.Name)
	}
	msg := "no version " + e.Version + " of " + e.Name
	if len(e.Available) > 0 {
		msg += " (available: " + strings.Join(e.Available, ", ") + ")"
	}
	return msg
}

// Is makes errors.Is(err, ErrNotFound) true.
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }
