package importer

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/gohub/gohub/hub/internal/msg"
	"github.com/gohub/gohub/hub/store"
	"github.com/pkg/errors"
)

// UnsafeArchiveError: an archive entry would land outside the directory it is extracted
// to, or is of a kind gohub refuses (device, hard link). Nothing of the archive is kept.
type UnsafeArchiveError struct {
	Archive, Entry, Reason string
}

func (e *UnsafeArchiveError) Error() string {
	return "refusing archive " + e.Archive + ": entry " + msg.Quote(e.Entry) + " " + e.Reason +
		" (the archive is malformed or malicious; nothing was installed)"
}

// FormatError: a file is not an archive gohub can read.
type FormatError struct {
	Path, Reason string
}

func (e *FormatError) Error() string {
	return e.Path + ": " + e.Reason + " (gohub reads .tar.gz, .tgz, .tar, .zip and .whl archives)"
}

// IsArchivePath reports whether a path names a file gohub tries to read as an archive.
func IsArchivePath(p string) bool {
	for _, ext := range []string{".tar.gz", ".tgz", ".tar", ".zip", ".whl", ".phm"} {
		if strings.HasSuffix(strings.ToLower(p), ext) {
			return true
		}
	}
	return false
}

// Extract unpacks a tar (optionally gzip-compressed) or zip archive into dst, an
// empty directory; name is the archive's name in messages. The format is read from the content, not the name. Entries whose path is
// absolute or climbs out with "..", symbolic links that point outside dst, hard links and
// special files are refused. Symbolic links are created last, so no file is ever written
// through one.
func Extract(archive, name, dst string) error {
	f, err := os.Open(archive)
	if err != nil {
		return errors.Wrap(err, "open archive")
	}
	defer f.Close()
	magic := make([]byte, 262)
	n, _ := io.ReadFull(f, magic)
	magic = magic[:n]
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return errors.Wrap(err, "read archive")
	}
	x := &extractor{archive: name, dst: dst}
	switch {
	case bytes.HasPrefix(magic, []byte{0x1f, 0x8b}):
		gz, err := gzip.NewReader(bufio.NewReader(f))
		if err != nil {
			return &FormatError{Path: name, Reason: "corrupt gzip data: " + err.Error()}
		}
		defer gz.Close()
		err = x.tar(tar.NewReader(gz))
		return x.finish(err)
	case bytes.HasPrefix(magic, []byte("PK\x03\x04")) || bytes.HasPrefix(magic, []byte("PK\x05\x06")):
		fi, err := f.Stat()
		if err != nil {
			return errors.Wrap(err, "read archive")
		}
		zr, err := zip.NewReader(f, fi.Size())
		if err != nil {
			return &FormatError{Path: name, Reason: "corrupt zip data: " + err.Error()}
		}
		return x.finish(x.zip(zr))
	case len(magic) >= 262 && string(magic[257:262]) == "ustar":
		return x.finish(x.tar(tar.NewReader(bufio.NewReader(f))))
	}
	return &FormatError{Path: name, Reason: "not a tar, tar.gz or zip archive"}
}

type extractor struct {
	archive string
	dst     string
	links   []pendingLink
}

type pendingLink struct{ name, target string }

func (x *extractor) tar(tr *tar.Reader) error {
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return &FormatError{Path: x.archive, Reason: "corrupt tar data: " + err.Error()}
		}
		switch h.Typeflag {
		case tar.TypeDir:
			err = x.dir(h.Name)
		case tar.TypeReg: // the reader reports old-style (TypeRegA) entries as TypeReg
			err = x.file(h.Name, fs.FileMode(h.Mode), tr)
		case tar.TypeSymlink:
			err = x.symlink(h.Name, h.Linkname)
		case tar.TypeXGlobalHeader, tar.TypeXHeader:
			// PAX metadata; archive/tar already applied it.
		default:
			err = &UnsafeArchiveError{x.archive, h.Name, "is a link or special file (type " + string(h.Typeflag) + ")"}
		}
		if err != nil {
			return err
		}
	}
}

func (x *extractor) zip(zr *zip.Reader) error {
	for _, zf := range zr.File {
		var err error
		mode := zf.Mode()
		switch {
		case mode.IsDir():
			err = x.dir(zf.Name)
		case mode&fs.ModeSymlink != 0:
			err = x.zipSymlink(zf)
		case mode.IsRegular():
			err = x.zipFile(zf)
		default:
			err = &UnsafeArchiveError{x.archive, zf.Name, "is a special file"}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (x *extractor) zipFile(zf *zip.File) error {
	r, err := zf.Open()
	if err != nil {
		return &FormatError{Path: x.archive, Reason: "corrupt zip entry " + zf.Name + ": " + err.Error()}
	}
	defer r.Close()
	return x.file(zf.Name, zf.Mode(), r)
}

func (x *extractor) zipSymlink(zf *zip.File) error {
	r, err := zf.Open()
	if err != nil {
		return &FormatError{Path: x.archive, Reason: "corrupt zip entry " + zf.Name}
	}
	defer r.Close()
	target, err := io.ReadAll(io.LimitReader(r, 4096))
	if err != nil {
		return &FormatError{Path: x.archive, Reason: "corrupt zip entry " + zf.Name}
	}
	return x.symlink(zf.Name, string(target))
}

// target maps an entry name to its path under dst, refusing names that leave it.
func (x *extractor) target(name string) (string, error) {
	clean := path.Clean(strings.ReplaceAll(name, `\`, "/"))
	switch {
	case strings.ContainsRune(name, 0):
		return "", &UnsafeArchiveError{x.archive, name, "has a NUL byte in its name"}
	case path.IsAbs(clean) || filepath.IsAbs(name) || filepath.VolumeName(name) != "":
		return "", &UnsafeArchiveError{x.archive, name, "has an absolute path"}
	case clean == ".." || strings.HasPrefix(clean, "../"):
		return "", &UnsafeArchiveError{x.archive, name, "climbs out of the target directory"}
	}
	return filepath.Join(x.dst, filepath.FromSlash(clean)), nil
}

func (x *extractor) dir(name string) error {
	p, err := x.target(name)
	if err != nil {
		return err
	}
	return store.CheckDiskFull(os.MkdirAll(p, 0o755), p)
}

func (x *extractor) file(name string, mode fs.FileMode, r io.Reader) error {
	p, err := x.target(name)
	if err != nil {
		return err
	}
	if p == x.dst {
		return &UnsafeArchiveError{x.archive, name, "is a file in place of the root directory"}
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return store.CheckDiskFull(errors.Wrap(err, "extract"), p)
	}
	perm := fs.FileMode(0o644)
	if mode&0o111 != 0 {
		perm = 0o755 // keep the executable bit, drop setuid and world-write
	}
	// O_EXCL: a duplicate entry must not overwrite, and nothing but what we created exists.
	out, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return store.CheckDiskFull(errors.Wrap(err, "extract "+name), p)
	}
	_, err = io.Copy(out, r)
	cerr := out.Close()
	if err != nil && !store.IsWriteError(err) {
		return &FormatError{Path: x.archive, Reason: "corrupt or truncated at " + name + ": " + err.Error()}
	}
	if err == nil {
		err = cerr
	}
	return store.CheckDiskFull(errors.Wrap(err, "extract "+name), p)
}

// symlink records a link to create after every file; its target, resolved from the link's
// own directory, must stay inside dst.
func (x *extractor) symlink(name, target string) error {
	p, err := x.target(name)
	if err != nil {
		return err
	}
	if target == "" || path.IsAbs(target) || filepath.IsAbs(target) {
		return &UnsafeArchiveError{x.archive, name, "is a symbolic link to an absolute path"}
	}
	resolved := filepath.Join(filepath.Dir(p), filepath.FromSlash(target))
	if rel, err := filepath.Rel(x.dst, resolved); err != nil || rel == ".." ||
		strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return &UnsafeArchiveError{x.archive, name, "is a symbolic link pointing outside the target directory"}
	}
	x.links = append(x.links, pendingLink{name: p, target: target})
	return nil
}

// finish creates the recorded links once extraction succeeded. A link whose parent path
// already holds a link is refused: the check above is lexical and assumes real directories.
func (x *extractor) finish(err error) error {
	if err != nil {
		return err
	}
	for _, l := range x.links {
		for dir := filepath.Dir(l.name); dir != x.dst && len(dir) > len(x.dst); dir = filepath.Dir(dir) {
			if fi, err := os.Lstat(dir); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
				return &UnsafeArchiveError{x.archive, l.name, "is a symbolic link inside another link"}
			}
		}
		if err := os.MkdirAll(filepath.Dir(l.name), 0o755); err != nil {
			return store.CheckDiskFull(errors.Wrap(err, "extract"), l.name)
		}
		if err := os.Symlink(l.target, l.name); err != nil {
			return errors.Wrap(err, "extract link")
		}
	}
	return nil
}
