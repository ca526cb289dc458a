package store

import (
	"os"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDiskFullError(t *testing.T) {
	err := CheckDiskFull(&os.PathError{Op: "write", Path: "x", Err: syscall.ENOSPC}, "x")
	var full *DiskFullError
	require.ErrorAs(t, err, &full)
	assert.ErrorIs(t, err, syscall.ENOSPC)
	assert.Nil(t, CheckDiskFull(nil, "x"))
}
