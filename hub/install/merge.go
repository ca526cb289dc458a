package install

import (
	"os"
	"path/filepath"
	"slices"

	"github.com/gohub/gohub/hub/store"
	"github.com/pkg/errors"
)

// mergeInstalled applies m's merge mode against the installed module of the same name:
// the models carried over are copied into the staged module dir and listed in m. The
// installed files are verified first, so a damaged install is not carried along.
func mergeInstalled(h store.Home, dir string, m *store.Manifest) error {
	if m.Merge == store.MergeNone {
		return nil
	}
	cur, err := h.Lookup(m.Name)
	if err != nil {
		return nil // nothing installed (or unreadable, which the install replaces)
	}
	if err := store.VerifyModule(cur.Dir, cur.Manifest); err != nil {
		return errors.WithMessagef(err, "the installed %s, whose other models this install keeps,"+
			" is damaged; uninstall it first (gohub uninstall %s)", m.Name, m.Name)
	}
	var carried []store.Model
	for _, mo := range cur.Manifest.Models {
		if slices.ContainsFunc(m.Models, func(n store.Model) bool { return n.Name == mo.Name }) {
			continue // replaced by the new module's model of that name
		}
		paths := mo.Files()
		for _, p := range mo.Assets {
			paths = append(paths, p)
		}
		for _, p := range paths {
			if err := copyInto(cur.Dir, dir, p); err != nil {
				return err
			}
		}
		carried = append(carried, mo)
	}
	for key, p := range cur.Manifest.Assets {
		if _, ok := m.Assets[key]; ok {
			continue
		}
		if err := copyInto(cur.Dir, dir, p); err != nil {
			return err
		}
		if m.Assets == nil {
			m.Assets = map[string]string{}
		}
		m.Assets[key] = p
	}
	if m.Merge == store.MergeAddModels {
		added := m.Models
		*m = *cur.Manifest
		m.Checksums = nil // recomputed over the merged files
		m.Models = append(carried, added...)
		return nil
	}
	m.Models = append(m.Models, carried...)
	return nil
}

// copyInto copies the module path rel from one module dir to another, unless the
// destination already has it (the new module's own file wins).
func copyInto(from, to, rel string) error {
	dst := filepath.Join(to, filepath.FromSlash(rel))
	if _, err := os.Lstat(dst); err == nil {
		return nil
	}
	return store.Transfer(filepath.Join(from, filepath.FromSlash(rel)), dst, false)
}
