// Command modload runs inside a test guest: it loads one kernel module file
// with a single finit_module(2) call and reports the kernel's error.
//
//	modload FILE
//
// busybox insmod retries a failed finit_module with init_module, so a
// module whose init fails runs its init twice; boot tests that expect a
// module to fail load it with this program instead.
package main

import (
	"fmt"
	"io"
	"os"
	"syscall"
	"unsafe"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

func run(args []string, stderr io.Writer) int {
	if len(args) != 1 {
		fmt.Fprintln(stderr, "usage: modload FILE")
		return 2
	}
	if err := load(args[0]); err != nil {
		fmt.Fprintf(stderr, "modload: %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

func load(file string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	params := []byte{0}
	_, _, errno := syscall.Syscall(sysFinitModule, f.Fd(), uintptr(unsafe.Pointer(&params[0])), 0)
	if errno != 0 {
		return fmt.Errorf("finit_module: %w", errno)
	}
	return nil
}
