package store

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/pkg/errors"
)

// Digest is what a source publishes about an archive. PaddleHub's server gives MD5 only;
// gohub's own indexes give SHA-256. Empty fields are not checked.
type Digest struct {
	SHA256 string
	MD5    string
}

// Empty reports whether there is nothing to verify.
func (d Digest) Empty() bool { return d.SHA256 == "" && d.MD5 == "" }

// ChecksumError: a file's content differs from its published digest.
type ChecksumError struct {
	File      string
	Algorithm string
	Want, Got string
}

func (e *ChecksumError) Error() string {
	return e.Algorithm + " mismatch for " + e.File + ": want " + e.Want + ", got " + e.Got +
		" (the file is corrupt or was changed; nothing was installed)"
}

// Verify hashes path once with every published algorithm and compares.
func (d Digest) Verify(path string) error {
	if d.Empty() {
		return nil
	}
	sha, md, err := hashFile(path)
	if err != nil {
		return err
	}
	if d.SHA256 != "" && !strings.EqualFold(d.SHA256, sha) {
		return &ChecksumError{File: filepath.Base(path), Algorithm: "sha256", Want: d.SHA256, Got: sha}
	}
	if d.MD5 != "" && !strings.EqualFold(d.MD5, md) {
		return &ChecksumError{File: filepath.Base(path), Algorithm: "md5", Want: d.MD5, Got: md}
	}
	return nil
}

// hashFile returns the hex SHA-256 and MD5 of a file.
func hashFile(path string) (sha, md string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return "", "", errors.Wrap(err, "hash")
	}
	defer f.Close()
	hs, hm := sha256.New(), md5.New()
	if _, err := io.Copy(io.MultiWriter(hs, hm), f); err != nil {
		return "", "", errors.Wrap(err, "hash "+path)
	}
	return sum(hs), sum(hm), nil
}

func sum(h hash.Hash) string { return hex.EncodeToString(h.Sum(nil)) }

// SHA256File returns the hex SHA-256 of a file.
func SHA256File(path string) (string, error) {
	sha, _, err := hashFile(path)
	return sha, err
}

// ModuleChecksums hashes every regular file under dir except module.yaml, keyed by
// slash-separated relative path.
func ModuleChecksums(dir string) (map[string]string, error) {
	sums := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if rel == ManifestFile {
			return nil
		}
		sha, err := SHA256File(path)
		sums[rel] = sha
		return err
	})
	return sums, errors.Wrap(err, "checksum module files")
}

// VerifyModule checks every file listed in the manifest's checksums against its content.
func VerifyModule(dir string, m *Manifest) error {
	for rel, want := range m.Checksums {
		got, err := SHA256File(filepath.Join(dir, filepath.FromSlash(rel)))
		if err != nil {
			return errors.WithMessage(err, "module "+m.Name+" is incomplete")
		}
		if got != want {
			return &ChecksumError{File: rel, Algorithm: "sha256", Want: want, Got: got}
		}
	}
	return nil
}
