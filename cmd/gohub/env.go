package main

import (
	"io"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/gohub/gohub/hub"
	"github.com/gohub/gohub/hub/install"
	"github.com/gohub/gohub/hub/store"
)

// home is the gohub home of this run ($GOHUB_HOME or ~/.gohub).
func home() (store.Home, error) { return store.DefaultHome() }

// installer is an installer on the home that reports its progress on stderr.
func installer(c *cli.Context) (*install.Installer, error) {
	h, err := home()
	if err != nil {
		return nil, err
	}
	return hub.NewInstaller(h, reporter(c))
}

// isTerminal reports whether w is a terminal (not a pipe, file or /dev/null).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && isTTY(f.Fd())
}
