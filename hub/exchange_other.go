//go:build !linux

package hub

import "syscall"

// exchange is unavailable off Linux; commit falls back to two renames.
func exchange(a, b string) error { return syscall.ENOSYS }
