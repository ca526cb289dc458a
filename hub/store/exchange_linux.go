package store

import (
	"runtime"
	"syscall"
	"unsafe"
)

// renameExchange is RENAME_EXCHANGE from linux/fs.h. The syscall package knows neither it
// nor renameat2's number, hence the table (from the kernel's syscall tables).
const renameExchange = 1 << 1

var renameat2 = map[string]uintptr{"amd64": 316, "arm64": 276, "riscv64": 276, "loong64": 276, "386": 353, "ppc64le": 357, "s390x": 347}

// exchange atomically swaps two paths (renameat2 RENAME_EXCHANGE). It fails with ENOSYS or
// EINVAL on kernels or file systems without it; commit then falls back to two renames.
func exchange(a, b string) error {
	nr, ok := renameat2[runtime.GOARCH]
	if !ok {
		return syscall.ENOSYS
	}
	pa, err := syscall.BytePtrFromString(a)
	if err != nil {
		return err
	}
	pb, err := syscall.BytePtrFromString(b)
	if err != nil {
		return err
	}
	atFDCWD := -100 // AT_FDCWD: paths relative to the working directory
	_, _, errno := syscall.Syscall6(nr, uintptr(atFDCWD), uintptr(unsafe.Pointer(pa)),
		uintptr(atFDCWD), uintptr(unsafe.Pointer(pb)), renameExchange, 0)
	if errno != 0 {
		return errno
	}
	return nil
}
