package main

import (
	"fmt"

	"github.com/gohub/gohub/hub/install"
	"github.com/gohub/gohub/hub/source"
	"github.com/urfave/cli/v2"
)

var formatFlag = &cli.StringFlag{Name: "format", Value: "table", Usage: "print a table or json"}

func searchCommand() *cli.Command {
	return &cli.Command{
		Name:      "search",
		Usage:     "search the sources' modules by name or summary",
		ArgsUsage: "[KEYWORD]",
		Description: `KEYWORD is a case-insensitive regular expression matched against names and summaries
(none: everything). A source that cannot be reached answers from its last listing,
cached in GOHUB_HOME/cache, with a note on stderr.`,
		Flags:  []cli.Flag{formatFlag},
		Action: searchAction,
	}
}

func searchAction(c *cli.Context) error {
	if err := checkFormat(c.String("format")); err != nil {
		return err
	}
	if c.NArg() > 1 {
		return usageErrorf("search takes one keyword (quote it if it has spaces)")
	}
	in, err := installer(c)
	if err != nil {
		return err
	}
	l, err := in.Search(c.Context, c.Args().First())
	if err != nil {
		return err
	}
	return printListing(c, l)
}

// remoteEntry is an entry as search and list --remote print it in JSON.
type remoteEntry struct {
	source.Entry
	From string `json:"source"`
}

func printListing(c *cli.Context, l *install.Listing) error {
	for _, n := range l.Notes {
		fmt.Fprintln(c.App.ErrWriter, "note: "+n)
	}
	if c.String("format") == "json" {
		out := make([]remoteEntry, len(l.Entries))
		for i, e := range l.Entries {
			out[i] = remoteEntry{Entry: e, From: e.Source}
		}
		return printJSON(c.App.Writer, out)
	}
	if len(l.Entries) == 0 {
		fmt.Fprintln(c.App.ErrWriter, "No module matches.")
		return nil
	}
	rows := make([][]string, len(l.Entries))
	for i, e := range l.Entries {
		rows[i] = []string{e.Name, e.Version, e.Kind, truncate(e.Summary, 60)}
	}
	printTable(c.App.Writer, []string{"NAME", "VERSION", "KIND", "SUMMARY"}, rows)
	return nil
}
