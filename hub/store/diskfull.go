package store

import (
	"os"
	"syscall"

	"github.com/pkg/errors"
)

// DiskFullError: a write failed for lack of space. Whatever was being written has been
// removed again; the store is unchanged.
type DiskFullError struct {
	Path string
	Err  error
}

func (e *DiskFullError) Error() string {
	return "no space left on the device writing " + e.Path +
		": free some space (or set GOHUB_HOME to a larger disk) and run the command again; nothing was installed"
}

func (e *DiskFullError) Unwrap() error { return e.Err }

// CheckDiskFull turns ENOSPC and EDQUOT into a *DiskFullError and leaves others alone.
func CheckDiskFull(err error, path string) error {
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return &DiskFullError{Path: path, Err: err}
	}
	return err
}

// IsWriteError reports whether a copy failed on the file side (a *os.PathError from the
// write), as opposed to the network side.
func IsWriteError(err error) bool {
	var pe *os.PathError
	return errors.As(err, &pe) && pe.Op == "write"
}
