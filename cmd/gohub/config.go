package main

import (
	"fmt"
	"strings"

	"github.com/gohub/gohub/hub/source"
	"github.com/gohub/gohub/internal/settings"
	"github.com/urfave/cli/v2"
	"go.yaml.in/yaml/v3"
)

func configCommand() *cli.Command {
	return &cli.Command{
		Name:  "config",
		Usage: "show or change the configuration (the module sources)",
		Description: `gohub config                      show the configuration
gohub config set server URL[;URL]  set the sources, tried in order: PaddleHub servers, or
                                   static indexes (URLs ending in .json)
gohub config server==URL           the same, as PaddleHub writes it
gohub config reset                 back to the default (the official PaddleHub server)`,
		Action: func(c *cli.Context) error {
			switch arg := c.Args().First(); {
			case c.NArg() == 0:
				return showConfig(c, "")
			case c.NArg() == 1 && strings.HasPrefix(arg, "server=="):
				return setServers(c, strings.TrimPrefix(arg, "server=="))
			}
			return usageErrorf("config: unknown option %q (see gohub help config)", strings.Join(c.Args().Slice(), " "))
		},
		Subcommands: []*cli.Command{
			{Name: "show", Usage: "show the configuration", Action: func(c *cli.Context) error { return showConfig(c, "") }},
			{
				Name: "set", Usage: "set an option: server URL[;URL...]", ArgsUsage: "server URL",
				Action: func(c *cli.Context) error {
					if c.NArg() != 2 || c.Args().First() != "server" {
						return usageErrorf("config set: want: gohub config set server URL[;URL...]")
					}
					return setServers(c, c.Args().Get(1))
				},
			},
			{
				Name: "reset", Usage: "restore the default configuration",
				Action: func(c *cli.Context) error {
					h, err := home()
					if err != nil {
						return err
					}
					if err := source.SaveConfig(h, source.DefaultConfig()); err != nil {
						return err
					}
					return showConfig(c, "Reset the configuration.")
				},
			},
		},
	}
}

func setServers(c *cli.Context, list string) error {
	servers := settings.SplitServers(list)
	cfg := source.Config{Servers: servers}
	if len(servers) == 0 {
		return usageErrorf("config: give at least one server URL")
	}
	if err := cfg.Validate(); err != nil {
		return &usageError{msg: "config: " + err.Error()}
	}
	h, err := home()
	if err != nil {
		return err
	}
	if err := source.SaveConfig(h, cfg); err != nil {
		return err
	}
	return showConfig(c, "Set the servers.")
}

func showConfig(c *cli.Context, title string) error {
	h, err := home()
	if err != nil {
		return err
	}
	cfg, err := source.LoadConfig(h)
	if err != nil {
		return err
	}
	data, err := yaml.Marshal(cfg)
	if err != nil {
		return err
	}
	if title != "" {
		fmt.Fprintln(c.App.Writer, title)
	}
	fmt.Fprintf(c.App.Writer, "# %s\n%s", h.ConfigPath(), data)
	if env := settings.Server.Value(); env != "" {
		fmt.Fprintf(c.App.ErrWriter, "note: %s=%s overrides the servers above\n", settings.Server.Name, env)
	}
	return nil
}
