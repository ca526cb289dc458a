package main

import (
	"fmt"
	"path/filepath"

	"github.com/gohub/gohub/hub/install"
	"github.com/gohub/gohub/hub/source"
	"github.com/urfave/cli/v2"
)

func indexCommand() *cli.Command {
	return &cli.Command{
		Name:  "index",
		Usage: "build a static index for a folder of module archives",
		Subcommands: []*cli.Command{{
			Name:      "build",
			Usage:     "write DIR/index.json listing the module archives in DIR",
			ArgsUsage: "DIR",
			Description: `Lists every module archive in DIR (gohub, PaddleHub 1.x and 2.x, the LAC package) with
its name, version, kind, sha256 and size. Serve DIR with any web server and use it:
   gohub config set server http://HOST/PATH/index.json`,
			Action: func(c *cli.Context) error {
				if c.NArg() != 1 {
					return usageErrorf("index build: name the folder, e.g. gohub index build ./modules")
				}
				dir := c.Args().First()
				idx, err := install.BuildIndex(dir, reporter(c))
				if err != nil {
					return err
				}
				fmt.Fprintf(c.App.Writer, "Wrote %s with %d modules\n", filepath.Join(dir, source.IndexFile), len(idx.Modules))
				return nil
			},
		}},
	}
}
