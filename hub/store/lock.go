package store

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/gohub/gohub/hub/progress"
	"github.com/pkg/errors"
)

// StoreLock is an exclusive flock on the home's .lock file. Every change to the store
// (install, uninstall, download into the cache) holds it, so two gohub processes never
// stage, rename or resume the same files at once. The kernel drops it when the process
// dies, so a killed install never leaves the store locked.
type StoreLock struct{ f *os.File }

// lockPoll is how often a waiting process retries; flock itself cannot honour a context.
const lockPoll = 100 * time.Millisecond

// Lock takes the lock, reporting once when it has to wait for another process.
func (h Home) Lock(ctx context.Context, report progress.Func) (*StoreLock, error) {
	if err := h.Ensure(); err != nil {
		return nil, err
	}
	path := filepath.Join(h.Root, ".lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, errors.Wrap(err, "open the store lock")
	}
	waiting := false
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return &StoreLock{f: f}, nil
		}
		if err != syscall.EWOULDBLOCK && err != syscall.EINTR {
			f.Close()
			return nil, errors.Wrap(err, "lock "+path)
		}
		if !waiting {
			waiting = true
			report.Statusf("Waiting for another gohub process to finish with %s ...", h.Root)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, errors.Wrap(ctx.Err(), "wait for the store lock")
		case <-time.After(lockPoll):
		}
	}
}

// Unlock releases the lock; closing the file drops the flock.
func (l *StoreLock) Unlock() { l.f.Close() }
