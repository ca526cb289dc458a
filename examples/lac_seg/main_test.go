package main

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/gohub/gohub/internal/shared"
)

func TestRunUsage(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"help", []string{"-help"}, 0, "Usage: lac_seg"},
		{"no sentence", nil, 2, "no sentence given"},
		{"bad flag", []string{"-nope", "x"}, 2, "flag provided but not defined"},
		{"bad threads", []string{"-threads", "0", "x"}, 2, "-threads must be at least 1"},
		{"bad model", []string{"-model", filepath.Join(t.TempDir(), "absent"), "x"}, 1, "lac_seg: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			assert.Equal(t, tt.code, run(tt.args, &stdout, &stderr))
			assert.Contains(t, stderr.String(), tt.stderr)
			assert.Empty(t, stdout.String())
		})
	}
}

func TestRunSegments(t *testing.T) {
	if _, err := shared.Path("models", "lac_seg"); err != nil {
		t.Skipf("real LAC model absent, skipping: %v", err)
	}
	var stdout, stderr bytes.Buffer
	code := run([]string{"-threads", "2", "我爱北京天安门", "", "我爱北京天安门"}, &stdout, &stderr)
	assert.Equal(t, 0, code, stderr.String())
	assert.Equal(t, "我 / 爱 / 北京 / 天安门\n\n我 / 爱 / 北京 / 天安门\n", stdout.String())
}
