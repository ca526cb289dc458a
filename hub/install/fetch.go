package install

import (
	"context"
	"os"
	"path/filepath"

	"github.com/gohub/gohub/hub/source"
	"github.com/gohub/gohub/hub/store"
	"github.com/pkg/errors"
)

// Download saves the archive of NAME[==VERSION] into outDir, verified, without installing
// it, and returns its path. Sources are tried as for Install.
func (in *Installer) Download(ctx context.Context, arg, outDir string) (string, error) {
	t, err := ParseTarget(arg)
	if err != nil {
		return "", err
	}
	if t.Path != "" {
		return "", &TargetError{Arg: arg, Reason: "download takes a module name; to install a file use: gohub install " + arg}
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return "", errors.Wrap(err, "create the output folder")
	}
	lock, err := in.Home.Lock(ctx, in.Progress)
	if err != nil {
		return "", err
	}
	defer lock.Unlock()
	srcs, err := in.sources()
	if err != nil {
		return "", err
	}
	var errs []error
	for _, src := range srcs {
		e, err := in.resolve(ctx, src, t)
		if err == nil {
			var path string
			if path, err = in.downloadEntry(ctx, e, outDir); err == nil {
				return path, nil
			}
		}
		errs = append(errs, &source.SourceError{Source: src.String(), Err: err})
	}
	if in.pipApplies(t.Name) {
		path, err := in.downloadFromPip(ctx, t.Version, outDir)
		if err == nil {
			return path, nil
		}
		errs = append(errs, &source.SourceError{Source: "PyPI (pip download lac)", Err: err})
	}
	return "", &InstallError{Name: t.Name, Version: t.Version, Errs: errs}
}

func (in *Installer) downloadEntry(ctx context.Context, e source.Entry, outDir string) (string, error) {
	dst := filepath.Join(outDir, source.FileNameOf(e.URL))
	if !e.Digest().Empty() && e.Digest().Verify(dst) == nil {
		in.Progress.Statusf("%s is already there and verified.", dst)
		return dst, nil
	}
	part, err := in.downloader().Fetch(ctx, e.URL, e.Digest())
	if err != nil {
		return "", err
	}
	defer os.Remove(part)
	return dst, moveFile(part, dst)
}

func (in *Installer) downloadFromPip(ctx context.Context, version, outDir string) (string, error) {
	dir, err := os.MkdirTemp(in.Home.TmpDir(), "pip-")
	if err != nil {
		return "", errors.Wrap(err, "create a download directory")
	}
	defer os.RemoveAll(dir)
	archive, err := in.pipDownload(ctx, version, dir)
	if err != nil {
		return "", err
	}
	dst := filepath.Join(outDir, filepath.Base(archive))
	return dst, moveFile(archive, dst)
}

// moveFile renames src to dst, or copies it through a temporary file next to dst when they
// are on different file systems; dst appears whole or not at all.
func moveFile(src, dst string) error {
	if err := os.Rename(src, dst); err == nil {
		return nil
	}
	tmp := filepath.Join(filepath.Dir(dst), "."+filepath.Base(dst)+".partial")
	os.Remove(tmp)
	fi, err := os.Stat(src)
	if err != nil {
		return errors.Wrap(err, "move download")
	}
	if err := store.CopyFile(src, tmp, fi.Mode()); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, dst); err != nil {
		os.Remove(tmp)
		return errors.Wrap(err, "move download")
	}
	return nil
}
