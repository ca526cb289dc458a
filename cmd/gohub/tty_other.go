//go:build !linux

package main

// isTTY is false off Linux: progress is printed as plain lines there.
func isTTY(uintptr) bool { return false }
