package main

import (
	"fmt"

	"github.com/urfave/cli/v2"
)

func listCommand() *cli.Command {
	return &cli.Command{
		Name:  "list",
		Usage: "list installed modules (--remote: the modules the sources offer)",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "remote", Usage: "list what the configured sources offer"},
			formatFlag,
		},
		Action: listAction,
	}
}

// installedEntry is an installed module as list prints it in JSON.
type installedEntry struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Kind    string `json:"kind"`
	Summary string `json:"summary,omitempty"`
	Path    string `json:"path"`
}

func listAction(c *cli.Context) error {
	if err := checkFormat(c.String("format")); err != nil {
		return err
	}
	if c.NArg() > 0 {
		return usageErrorf("list takes no arguments; to search use: gohub search %s", c.Args().First())
	}
	if c.Bool("remote") {
		in, err := installer(c)
		if err != nil {
			return err
		}
		l, err := in.Remote(c.Context)
		if err != nil {
			return err
		}
		return printListing(c, l)
	}
	h, err := home()
	if err != nil {
		return err
	}
	mods, bad, err := h.List()
	if err != nil {
		return err
	}
	for _, b := range bad {
		fmt.Fprintf(c.App.ErrWriter, "warning: skipping %s: %v\n", b.Dir, b.Err)
	}
	out := make([]installedEntry, len(mods))
	rows := make([][]string, len(mods))
	for i, m := range mods {
		mf := m.Manifest
		out[i] = installedEntry{Name: mf.Name, Version: mf.Version, Kind: string(mf.Kind), Summary: mf.Summary, Path: m.Dir}
		rows[i] = []string{mf.Name, mf.Version, string(mf.Kind), m.Dir}
	}
	if c.String("format") == "json" {
		return printJSON(c.App.Writer, out)
	}
	if len(mods) == 0 {
		fmt.Fprintf(c.App.ErrWriter, "No modules installed in %s. Install one with: gohub install lac\n", h.ModulesDir())
		return nil
	}
	printTable(c.App.Writer, []string{"NAME", "VERSION", "KIND", "PATH"}, rows)
	return nil
}
