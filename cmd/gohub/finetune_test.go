package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gohub/gohub/readers/imgbatch"
)

// --picture_cache_mb 0 turns the cache off, where imgbatch's 0 would mean its default.
func TestPictureCacheBytes(t *testing.T) {
	for mb, want := range map[int]int64{0: imgbatch.NoCache, -5: imgbatch.NoCache, 1: 1 << 20, 1024: 1 << 30} {
		if got := pictureCacheBytes(mb); got != want {
			t.Errorf("pictureCacheBytes(%d) = %d, want %d", mb, got, want)
		}
	}
}

func TestFinetuneHelp(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"gohub", "finetune", "--help"}, &out, &errOut)
	require.Equal(t, 0, code, errOut.String())
	for _, want := range []string{"--amp", "bfloat16 mixed precision", "--use_gpu", "--trainable", "default_finetune"} {
		assert.Contains(t, out.String(), want)
	}
}
