package main

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/gohub/gohub/paddle"
)

// nativeMarker is in the version text of gohub's own C library (commit and branch).
const nativeMarker = "gohub-native"

func versionCommand() *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "print gohub's version, the linked Paddle Inference C library's and the GPU it can use",
		Action: func(c *cli.Context) error {
			lib := paddle.Version()
			which := "the official Paddle Inference C library"
			if strings.Contains(lib, nativeMarker) {
				which = "gohub's bundled library (native/)"
			}
			fmt.Fprintf(c.App.Writer, "gohub %s\nPaddle Inference C library: %s, %s\n%s\n",
				version, libVersion(lib), which, gpuLine(paddle.GPUInfo()))
			return nil
		},
	}
}

// libVersion picks the version number out of PD_GetVersion's "version: X\ncommit: ...".
func libVersion(text string) string {
	for _, line := range strings.Split(text, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "version:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return strings.TrimSpace(text)
}

// gpuLine turns paddle.GPUInfo into version's line about the GPU: whether the CUDA backend
// loads, and the GPUs it sees or why it does not.
func gpuLine(info string) string {
	if reason, ok := strings.CutPrefix(info, "unavailable: "); ok {
		return "GPU: unavailable: " + reason
	}
	return "GPU: CUDA backend loaded; " + info
}
