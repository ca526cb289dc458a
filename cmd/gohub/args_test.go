package main

import (
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestFlagsFirst(t *testing.T) {
	app := newApp(io.Discard, io.Discard)
	for _, tc := range []struct{ in, want []string }{
		{[]string{"gohub", "show", "lac", "--format", "json"}, []string{"gohub", "show", "--format", "json", "lac"}},
		{[]string{"gohub", "install", "lac", "-f"}, []string{"gohub", "install", "-f", "lac"}},
		{[]string{"gohub", "download", "lac", "-o=out"}, []string{"gohub", "download", "-o=out", "lac"}},
		{[]string{"gohub", "config", "set", "server", "http://x"}, []string{"gohub", "config", "set", "server", "http://x"}},
		{[]string{"gohub", "run", "lac", "--input_text", "x"}, []string{"gohub", "run", "lac", "--input_text", "x"}},
		{[]string{"gohub", "search", "--", "-x"}, []string{"gohub", "search", "--", "-x"}},
		{[]string{"gohub"}, []string{"gohub"}},
	} {
		assert.Equal(t, tc.want, flagsFirst(app, tc.in))
	}
}
