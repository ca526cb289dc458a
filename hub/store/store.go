package store

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gohub/gohub/hub/progress"
	"github.com/pkg/errors"
)

// Installed is a module in the store.
type Installed struct {
	Dir      string
	Manifest *Manifest
}

// InvalidModule is a directory under modules/ that is not a valid module (e.g. copied in
// by hand); List reports it instead of failing.
type InvalidModule struct {
	Dir string
	Err error
}

// List returns the installed modules sorted by name, and the directories it skipped.
func (h Home) List() ([]Installed, []InvalidModule, error) {
	entries, err := os.ReadDir(h.ModulesDir())
	if os.IsNotExist(err) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, errors.Wrap(err, "list installed modules")
	}
	var mods []Installed
	var bad []InvalidModule
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		dir := filepath.Join(h.ModulesDir(), e.Name())
		m, err := LoadManifest(dir)
		if err != nil {
			bad = append(bad, InvalidModule{Dir: dir, Err: err})
			continue
		}
		mods = append(mods, Installed{Dir: dir, Manifest: m})
	}
	sort.Slice(mods, func(i, j int) bool { return mods[i].Manifest.Name < mods[j].Manifest.Name })
	return mods, bad, nil
}

// Lookup returns the installed module name.
func (h Home) Lookup(name string) (*Installed, error) {
	dir, err := h.ModuleDir(name)
	if err != nil {
		return nil, err
	}
	m, err := LoadManifest(dir)
	if err != nil {
		return nil, errors.WithMessage(err, "reinstall it with: gohub install "+name)
	}
	return &Installed{Dir: dir, Manifest: m}, nil
}

// Uninstall removes an installed module. The directory is first renamed out of modules/,
// so a reader never sees a half-deleted module.
func (h Home) Uninstall(ctx context.Context, name string, report progress.Func) error {
	lock, err := h.Lock(ctx, report)
	if err != nil {
		return err
	}
	defer lock.Unlock()
	dir, err := h.ModuleDir(name)
	if err != nil {
		return err
	}
	trash, err := os.MkdirTemp(h.TmpDir(), "uninstall-")
	if err != nil {
		return errors.Wrap(err, "uninstall "+name)
	}
	if err := os.Rename(dir, filepath.Join(trash, "module")); err != nil {
		os.Remove(trash)
		return errors.Wrap(err, "uninstall "+name)
	}
	return errors.Wrap(os.RemoveAll(trash), "uninstall "+name)
}

// StagingDir creates a fresh directory under tmp/ for an install in progress. Call with
// the lock held.
func (h Home) StagingDir() (string, error) {
	dir, err := os.MkdirTemp(h.TmpDir(), "install-")
	return dir, errors.Wrap(err, "create a staging directory")
}

// Commit moves a verified module directory into modules/NAME. An installed version is
// swapped out in one atomic exchange where the file system supports it, so readers see
// the old module or the new one, never neither. Call with the lock held.
func (h Home) Commit(staged string, m *Manifest) error {
	target := filepath.Join(h.ModulesDir(), m.Name)
	if _, err := os.Lstat(target); os.IsNotExist(err) {
		return errors.Wrap(os.Rename(staged, target), "move the module into place")
	}
	if err := exchange(staged, target); err == nil {
		return errors.Wrap(os.RemoveAll(staged), "remove the replaced module")
	}
	// No atomic exchange: move the old one aside under a name recover knows, then move
	// the new one in. A crash in between is repaired by recover on the next run.
	old := filepath.Join(h.TmpDir(), OldPrefix+m.Name)
	if err := os.RemoveAll(old); err != nil {
		return errors.Wrap(err, "move the installed module aside")
	}
	if err := os.Rename(target, old); err != nil {
		return errors.Wrap(err, "move the installed module aside")
	}
	if err := os.Rename(staged, target); err != nil {
		os.Rename(old, target)
		return errors.Wrap(err, "move the module into place")
	}
	return errors.Wrap(os.RemoveAll(old), "remove the replaced module")
}

// OldPrefix names a replaced module parked in tmp/ during a non-atomic swap.
const OldPrefix = "old."

// Recover cleans tmp/ after a killed install: a parked old module whose replacement
// never arrived goes back; everything else there is an abandoned staging area. Call with
// the lock held: no other process is using tmp/ then.
func (h Home) Recover() error {
	entries, err := os.ReadDir(h.TmpDir())
	if err != nil {
		return errors.Wrap(err, "clean "+h.TmpDir())
	}
	for _, e := range entries {
		path := filepath.Join(h.TmpDir(), e.Name())
		if name, ok := strings.CutPrefix(e.Name(), OldPrefix); ok && ValidName(name) {
			target := filepath.Join(h.ModulesDir(), name)
			if _, err := os.Lstat(target); os.IsNotExist(err) {
				if err := os.Rename(path, target); err != nil {
					return errors.Wrap(err, "restore "+name)
				}
				continue
			}
		}
		if err := os.RemoveAll(path); err != nil {
			return errors.Wrap(err, "clean "+h.TmpDir())
		}
	}
	return nil
}
