package install

import (
	"os"
	"strings"

	"github.com/gohub/gohub/hub/importer"
	"github.com/gohub/gohub/hub/internal/msg"
	"github.com/gohub/gohub/hub/store"
)

// Target is what to install: a module name with an optional version, or a local path.
type Target struct {
	Name, Version string
	Path          string // an archive or a directory
}

// ParseTarget reads NAME, NAME==VERSION or a path. An argument is a path when it contains
// a path separator or ends like an archive; a bare name always means a module name, even
// if a directory of that name exists here (PaddleHub installed such a directory instead,
// PH#1871).
func ParseTarget(arg string) (Target, error) {
	if arg == "" {
		return Target{}, &TargetError{Arg: arg, Reason: "empty module name"}
	}
	if strings.ContainsRune(arg, os.PathSeparator) || strings.ContainsRune(arg, '/') || importer.IsArchivePath(arg) {
		if _, err := os.Stat(arg); err != nil {
			return Target{}, &TargetError{Arg: arg, Reason: "no such file or directory"}
		}
		return Target{Path: arg}, nil
	}
	name, version, _ := strings.Cut(arg, "==")
	if !store.ValidName(name) {
		return Target{}, &TargetError{Arg: arg, Reason: "not a module name (letters, digits, '_', '-', '.') nor a path (write ./" + arg + " for a file here)"}
	}
	if version != "" && !store.ValidVersion(version) {
		return Target{}, &TargetError{Arg: arg, Reason: "bad version " + msg.Quote(version)}
	}
	return Target{Name: store.NormalizeName(name), Version: version}, nil
}
