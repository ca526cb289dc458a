package store

import (
	"os"
	"path/filepath"

	"github.com/pkg/errors"
)

// WriteFileAtomic writes data to a temporary file next to path, syncs it and renames it
// over path: readers see the old file or the new one, never a part, and a full disk leaves
// the old file untouched.
func WriteFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return errors.Wrap(err, "write "+path)
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return errors.Wrap(err, "write "+path)
	}
	return nil
}
