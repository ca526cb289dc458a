package main

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/gohub/gohub/hub"
	"github.com/gohub/gohub/hub/progress"
	"github.com/gohub/gohub/hub/store"
)

func showCommand() *cli.Command {
	return &cli.Command{
		Name:      "show",
		Usage:     "show a module: version, kind, models with their inputs and outputs, files",
		ArgsUsage: "NAME | DIR",
		Flags:     []cli.Flag{formatFlag},
		Action:    showAction,
	}
}

// moduleFile is one file of a module with its size.
type moduleFile struct {
	Path string `json:"path"`
	Size int64  `json:"size"`
}

// shownModule is what show prints in JSON.
type shownModule struct {
	*store.Manifest
	Location string       `json:"location"`
	Files    []moduleFile `json:"files"`
}

func showAction(c *cli.Context) error {
	if err := checkFormat(c.String("format")); err != nil {
		return err
	}
	if c.NArg() != 1 {
		return usageErrorf("show: name one installed module or module directory, e.g. gohub show lac")
	}
	dir, m, err := findModule(c.Args().First())
	if err != nil {
		return err
	}
	for i := range m.Models {
		mo := &m.Models[i]
		if len(mo.Inputs) == 0 && len(mo.Outputs) == 0 {
			// Modules installed without them (e.g. copied in by hand): ask the program.
			if in, out, err := hub.InspectModel(dir, mo); err == nil {
				mo.Inputs, mo.Outputs = in, out
			} else {
				fmt.Fprintf(c.App.ErrWriter, "warning: cannot read the inputs and outputs of model %s: %v\n", mo.Name, err)
			}
		}
	}
	files, err := listFiles(dir)
	if err != nil {
		return err
	}
	if c.String("format") == "json" {
		return printJSON(c.App.Writer, shownModule{Manifest: m, Location: dir, Files: files})
	}
	printModule(c.App.Writer, dir, m, files)
	return nil
}

// findModule resolves an installed module name, or a path to a module directory.
func findModule(arg string) (string, *store.Manifest, error) {
	if strings.ContainsRune(arg, '/') || strings.ContainsRune(arg, filepath.Separator) {
		m, err := store.LoadManifest(arg)
		if err != nil {
			return "", nil, err
		}
		abs, _ := filepath.Abs(arg)
		return abs, m, nil
	}
	h, err := home()
	if err != nil {
		return "", nil, err
	}
	inst, err := h.Lookup(arg)
	if err != nil {
		return "", nil, err
	}
	return inst.Dir, inst.Manifest, nil
}

func listFiles(dir string) ([]moduleFile, error) {
	var files []moduleFile
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, err := os.Stat(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		files = append(files, moduleFile{Path: filepath.ToSlash(rel), Size: fi.Size()})
		return nil
	})
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return files, err
}

func printModule(w io.Writer, dir string, m *store.Manifest, files []moduleFile) {
	author := m.Author
	if m.AuthorEmail != "" {
		author = strings.TrimSpace(author + " <" + m.AuthorEmail + ">")
	}
	var rows [][]string
	for _, kv := range [][2]string{{"Name", m.Name}, {"Version", m.Version}, {"Kind", string(m.Kind)},
		{"Summary", m.Summary}, {"Author", author}, {"Licence", m.Licence}, {"Source", m.Source}, {"Location", dir}} {
		if kv[1] != "" {
			rows = append(rows, []string{kv[0] + ":", kv[1]})
		}
	}
	printRows(w, rows)
	fmt.Fprintln(w, "\nModels:")
	for i, mo := range m.Models {
		where := mo.Dir
		if mo.Layout == store.LayoutFiles {
			where = mo.Program
			if mo.Params != "" { // a Paddle-Lite .nb program carries its parameters
				where += " + " + mo.Params
			}
		}
		def := ""
		if i == 0 {
			def = " (default)"
		}
		fmt.Fprintf(w, "  %s%s: %s\n", mo.Name, def, where)
		var specs [][]string
		for _, s := range mo.Inputs {
			specs = append(specs, []string{"    input", s.Name, s.DType, shape(s.Shape)})
		}
		for _, s := range mo.Outputs {
			specs = append(specs, []string{"    output", s.Name, s.DType, shape(s.Shape)})
		}
		printRows(w, specs)
	}
	var total int64
	var rowsF [][]string
	for _, f := range files {
		total += f.Size
		rowsF = append(rowsF, []string{"  " + f.Path, progress.HumanBytes(f.Size)})
	}
	fmt.Fprintf(w, "\nFiles: %d, %s\n", len(files), progress.HumanBytes(total))
	printRows(w, rowsF)
}

func shape(s []int64) string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = fmt.Sprint(d)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
