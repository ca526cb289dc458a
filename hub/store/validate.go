package store

import (
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/gohub/gohub/hub/internal/msg"
)

// ManifestError says which field of a module.yaml is wrong and why.
type ManifestError struct {
	Field  string
	Reason string
}

func (e *ManifestError) Error() string {
	return "invalid module manifest: " + e.Field + ": " + e.Reason
}

var (
	// Names follow PaddleHub's directory rule ('-' becomes '_', see NormalizeName).
	namePattern    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.]*$`)
	versionPattern = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z.+_-]*$`)
	sha256Pattern  = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// ValidVersion reports whether v can be a module version: letters, digits and . + _ -,
// starting with a letter or digit.
func ValidVersion(v string) bool { return versionPattern.MatchString(v) }

// NormalizeName maps a module name to the name gohub stores it under: PaddleHub's rule of
// replacing '-' with '_', so "lac" and names like "bert-base" find one directory.
func NormalizeName(name string) string { return strings.ReplaceAll(name, "-", "_") }

// ValidName reports whether name (after NormalizeName) can name an installed module.
func ValidName(name string) bool { return namePattern.MatchString(NormalizeName(name)) }

// Validate checks the manifest without touching any file: required fields, known kind,
// layouts and data types, unique model names, and that every path stays inside the module.
func (m *Manifest) Validate() error {
	switch {
	case !namePattern.MatchString(m.Name):
		return &ManifestError{"name", "want letters, digits, '_' or '.', got " + msg.Quote(m.Name)}
	case !ValidVersion(m.Version):
		return &ManifestError{"version", "want e.g. 2.2.0, got " + msg.Quote(m.Version)}
	case !slices.Contains(acceptedKinds(), m.Kind):
		return &ManifestError{"kind", msg.Quote(string(m.Kind)) + " is not one of " + msg.JoinQuoted(kindNames())}
	case len(m.Models) == 0:
		return &ManifestError{"models", "a module needs at least one model"}
	}
	if err := checkPaths("assets", m.Assets); err != nil {
		return err
	}
	seen := map[string]bool{}
	for i := range m.Models {
		mo := &m.Models[i]
		field := "models[" + mo.Name + "]"
		if !namePattern.MatchString(mo.Name) || seen[mo.Name] {
			return &ManifestError{field, "model names must be unique and non-empty"}
		}
		seen[mo.Name] = true
		if err := mo.validate(field); err != nil {
			return err
		}
	}
	for p, sum := range m.Checksums {
		if err := checkRelPath("checksums", p); err != nil {
			return err
		}
		if !sha256Pattern.MatchString(sum) {
			return &ManifestError{"checksums[" + p + "]", "want a lower-case hex sha256"}
		}
	}
	return nil
}

func (mo *Model) validate(field string) error {
	switch mo.Layout {
	case LayoutDir:
		// "." is the module directory itself: a model directory that carries its own
		// module.yaml (a fine-tuned best_model/).
		if err := checkRelPath(field+".dir", mo.Dir); err != nil && mo.Dir != "." {
			return err
		}
	case LayoutFiles:
		if err := checkRelPath(field+".program", mo.Program); err != nil {
			return err
		}
		if mo.Params == "" && mo.ParamsInProgram() {
			break
		}
		if err := checkRelPath(field+".params", mo.Params); err != nil {
			return err
		}
	default:
		return &ManifestError{field + ".layout", "want " + msg.Quote(string(LayoutDir)) + " or " +
			msg.Quote(string(LayoutFiles)) + ", got " + msg.Quote(string(mo.Layout))}
	}
	if err := checkPaths(field+".assets", mo.Assets); err != nil {
		return err
	}
	for _, specs := range [][]TensorSpec{mo.Inputs, mo.Outputs} {
		for _, s := range specs {
			if s.Name == "" || !slices.Contains(DTypes, s.DType) {
				return &ManifestError{field + ".inputs/outputs", "want a name and a dtype in " +
					msg.JoinQuoted(DTypes) + ", got " + msg.Quote(s.Name) + " " + msg.Quote(s.DType)}
			}
		}
	}
	return nil
}

func checkPaths(field string, paths map[string]string) error {
	for name, p := range paths {
		if name == "" {
			return &ManifestError{field, "empty asset name"}
		}
		if err := checkRelPath(field+"["+name+"]", p); err != nil {
			return err
		}
	}
	return nil
}

// checkRelPath accepts only clean, relative, forward-slash paths that stay inside the
// module: a manifest from an archive must not point a loader at other files of the machine.
func checkRelPath(field, p string) error {
	if p == "" || path.IsAbs(p) || strings.Contains(p, `\`) || path.Clean(p) != p ||
		p == ".." || strings.HasPrefix(p, "../") || p == "." {
		return &ManifestError{field, "want a clean relative path inside the module, got " + msg.Quote(p)}
	}
	return nil
}

func kindNames() []string {
	var names []string
	for _, k := range acceptedKinds() {
		names = append(names, string(k))
	}
	return names
}
