package main

import (
	"syscall"
	"unsafe"
)

// isTTY asks the terminal driver for the descriptor's settings, which succeeds only on a
// terminal; a character-device test would also accept /dev/null.
func isTTY(fd uintptr) bool {
	var t syscall.Termios
	_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TCGETS, uintptr(unsafe.Pointer(&t)))
	return errno == 0
}
