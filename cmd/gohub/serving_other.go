//go:build !unix

package main

import "os"

// alive reports whether a process with this id exists.
func alive(pid int) bool {
	_, err := os.FindProcess(pid)
	return err == nil
}
