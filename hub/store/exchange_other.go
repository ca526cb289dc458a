//go:build !linux

package store

import "syscall"

// exchange is unavailable off Linux; commit falls back to two renames.
func exchange(a, b string) error { return syscall.ENOSYS }
