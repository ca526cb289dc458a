package store

import (
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/pkg/errors"
)

// Transfer puts the file or tree src at dst: a rename when src is a throwaway extraction
// on the same file system, a copy when it belongs to the user.
func Transfer(src, dst string, move bool) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return CheckDiskFull(errors.Wrap(err, "stage module"), dst)
	}
	if move {
		return errors.Wrap(os.Rename(src, dst), "stage module")
	}
	return copyTree(src, dst, 0)
}

// maxCopyDepth stops copyTree on a symbolic link loop.
const maxCopyDepth = 64

// copyTree copies a file or directory tree. Symbolic links are followed: a user's
// directory may link to files elsewhere, and the installed module must not depend on them.
func copyTree(src, dst string, depth int) error {
	if depth > maxCopyDepth {
		return errors.Errorf("copy %s: directories nested too deep (a symbolic link loop?)", src)
	}
	fi, err := os.Stat(src)
	if err != nil {
		return errors.Wrap(err, "copy")
	}
	if !fi.IsDir() {
		return CopyFile(src, dst, fi.Mode())
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return CheckDiskFull(errors.Wrap(err, "copy"), dst)
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		return errors.Wrap(err, "copy")
	}
	for _, e := range entries {
		if err := copyTree(filepath.Join(src, e.Name()), filepath.Join(dst, e.Name()), depth+1); err != nil {
			return err
		}
	}
	return nil
}

func CopyFile(src, dst string, mode fs.FileMode) error {
	if !mode.IsRegular() {
		return errors.Errorf("copy %s: not a regular file", src)
	}
	in, err := os.Open(src)
	if err != nil {
		return errors.Wrap(err, "copy")
	}
	defer in.Close()
	perm := fs.FileMode(0o644)
	if mode&0o111 != 0 {
		perm = 0o755
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return CheckDiskFull(errors.Wrap(err, "copy"), dst)
	}
	_, err = io.Copy(out, in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return CheckDiskFull(errors.Wrap(err, "copy "+src), dst)
}
