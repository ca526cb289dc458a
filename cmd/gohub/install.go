package main

import (
	"fmt"

	"github.com/gohub/gohub/hub/install"
	"github.com/urfave/cli/v2"
)

func installCommand() *cli.Command {
	return &cli.Command{
		Name:      "install",
		Usage:     "install modules by name, from an archive or from a directory",
		ArgsUsage: "NAME[==VERSION] | ARCHIVE | DIR ...",
		Description: `A NAME is looked up in the configured sources in order (gohub config; GOHUB_SERVER):
PaddleHub servers and static gohub indexes. 'lac' falls back to the LAC package on PyPI
(pip download) when no server has it. Downloads resume after a dropped connection and are
verified before anything is installed.

A path (anything with a '/', or ending in .tar.gz, .tgz, .zip or .whl) installs a gohub
module, a PaddleHub module (1.x module_desc.pb or 2.x package layout; lac,
resnet_v2_50_imagenet and ssd_mobilenet_v1_pascal), or the LAC package
(LAC-*.tar.gz / LAC-*.whl). Write ./lac for a directory named lac in this folder.

A folder holding PaddleHub's face models as Paddle-Lite model.nb files (directly or in
subfolders such as nb_v2/; the newest format is taken) installs pyramidbox_lite_mobile (the
PyramidBox-Lite face detector) or pyramidbox_lite_mobile_mask (the mask classifier, together
with the face detector found in a folder next to it or installed already):

   gohub install ../shared/models/pyramidbox_lite ../shared/models/mask_detector

--name installs one archive or directory under another name, e.g. the best model of a
fine-tune run: gohub install ckpt/best_model --name catdog.

Installs are atomic: an interrupted or failed install leaves the store as it was.`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "reinstall even if the version is installed"},
			&cli.StringFlag{Name: "name", Usage: "install the archive or directory as module `NAME`"},
		},
		Action: installAction,
	}
}

func installAction(c *cli.Context) error {
	if c.NArg() == 0 {
		return usageErrorf("install: name a module, archive or directory, e.g. gohub install lac")
	}
	in, err := installer(c)
	if err != nil {
		return err
	}
	in.Force = c.Bool("force")
	if in.Name = c.String("name"); in.Name != "" && c.NArg() != 1 {
		return usageErrorf("install: --name renames one module; give one archive or directory")
	}
	for _, arg := range c.Args().Slice() {
		res, err := in.Install(c.Context, arg)
		if err != nil {
			return err
		}
		printInstalled(c, res)
	}
	return nil
}

func printInstalled(c *cli.Context, res *install.InstallResult) {
	m := res.Module.Manifest
	w := c.App.Writer
	switch {
	case res.Already:
		fmt.Fprintf(w, "Module %s-%s already installed in %s (reinstall with --force)\n", m.Name, m.Version, res.Module.Dir)
	case res.Replaced != "" && res.Replaced != m.Version:
		fmt.Fprintf(w, "Successfully installed %s-%s, replacing %s (from %s)\n", m.Name, m.Version, res.Replaced, res.Origin)
	default:
		fmt.Fprintf(w, "Successfully installed %s-%s (from %s)\n", m.Name, m.Version, res.Origin)
	}
}

func uninstallCommand() *cli.Command {
	return &cli.Command{
		Name:      "uninstall",
		Usage:     "remove installed modules",
		ArgsUsage: "NAME ...",
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return usageErrorf("uninstall: name a module, e.g. gohub uninstall lac")
			}
			h, err := home()
			if err != nil {
				return err
			}
			for _, name := range c.Args().Slice() {
				if err := h.Uninstall(c.Context, name, reporter(c)); err != nil {
					return err
				}
				fmt.Fprintf(c.App.Writer, "Successfully uninstalled %s\n", name)
			}
			return nil
		},
	}
}

func downloadCommand() *cli.Command {
	return &cli.Command{
		Name:      "download",
		Usage:     "download a module's archive into a folder, verified, without installing it",
		ArgsUsage: "NAME[==VERSION] ...",
		Description: `Saves the archive the sources offer (or, for lac, the LAC package from PyPI) into
--output_path. Install it later, offline, with: gohub install ./ARCHIVE`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "output_path", Aliases: []string{"o"}, Value: ".", Usage: "save into `DIR`", TakesFile: true},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return usageErrorf("download: name a module, e.g. gohub download lac")
			}
			in, err := installer(c)
			if err != nil {
				return err
			}
			for _, arg := range c.Args().Slice() {
				path, err := in.Download(c.Context, arg, c.String("output_path"))
				if err != nil {
					return err
				}
				fmt.Fprintln(c.App.Writer, path)
			}
			return nil
		},
	}
}
