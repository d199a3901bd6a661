package boot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// Machine is one qemu boot of a kernel with an initramfs.
type Machine struct {
	Arch     string // "x86_64" or "arm64"
	QEMU     string // the qemu-system-* program's path
	Kernel   string
	Initrd   string
	MemoryMB int
	Timeout  time.Duration
	// KernelArgs are added to the kernel command line, e.g. preempt=full.
	KernelArgs []string
}

// Args returns qemu's arguments: TCG, no network, the serial console on
// stdout, and no reboot, so that poweroff (or a panic) ends qemu.
func (m Machine) Args() ([]string, error) {
	var machine []string
	var console string
	switch m.Arch {
	case "x86_64":
		console = "ttyS0"
	case "arm64":
		machine = []string{"-M", "virt", "-cpu", "max"}
		console = "ttyAMA0"
	default:
		return nil, fmt.Errorf("unknown architecture %q (want x86_64 or arm64)", m.Arch)
	}
	mem := m.MemoryMB
	if mem == 0 {
		mem = 512
	}
	args := append(machine,
		"-accel", "tcg",
		"-m", strconv.Itoa(mem),
		"-nographic", "-no-reboot", "-nic", "none",
		"-kernel", m.Kernel,
		"-initrd", m.Initrd,
		"-append", strings.Join(append([]string{"console=" + console, "panic=-1", "quiet"}, m.KernelArgs...), " "),
	)
	return args, nil
}

// ErrTimeout is returned when the guest did not power off in time.
var ErrTimeout = errors.New("the guest did not power off in time")

// Run boots the machine and copies its serial console to serial.
func (m Machine) Run(ctx context.Context, serial io.Writer) error {
	args, err := m.Args()
	if err != nil {
		return err
	}
	if m.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, m.Timeout)
		defer cancel()
	}
	cmd := exec.CommandContext(ctx, m.QEMU, args...)
	cmd.Stdout, cmd.Stderr = serial, serial
	cmd.WaitDelay = 5 * time.Second
	err = cmd.Run()
	if ctx.Err() == context.DeadlineExceeded {
		return fmt.Errorf("%w (%v)", ErrTimeout, m.Timeout)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", m.QEMU, err)
	}
	return nil
}
