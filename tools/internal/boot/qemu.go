package boot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"sync"
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
	// DoneGrace is how long the guest may run on after its script is done
	// (0: the package's DoneGrace).
	DoneGrace time.Duration
}

// Args returns qemu's arguments: TCG, no network, the serial console on
// stdout, and no reboot, so that poweroff (or a panic) ends qemu.
func (m Machine) Args() ([]string, error) {
	var machine []string
	var console string
	switch m.Arch {
	case "x86_64":
		// -cpu max: the CPU features the accelerated crypto drivers
		// need (AES-NI, PCLMULQDQ, AVX2), which qemu64 lacks.
		machine = []string{"-cpu", "max"}
		console = "ttyS0"
	case "arm64":
		// -cpu max: the ARMv8 crypto extensions.
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
	// A kernel without a way to power the machine off (x86 without ACPI)
	// halts after the script's poweroff: once the script says it is done,
	// the guest gets DoneGrace to stop by itself, then qemu is stopped.
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	grace := m.DoneGrace
	if grace == 0 {
		grace = DoneGrace
	}
	w := &doneWatcher{w: serial, done: func() {
		time.AfterFunc(grace, func() { stop(errHalted) })
	}}
	cmd := exec.CommandContext(ctx, m.QEMU, args...)
	cmd.Stdout, cmd.Stderr = w, w
	cmd.WaitDelay = 5 * time.Second
	err = cmd.Run()
	if errors.Is(context.Cause(ctx), errHalted) {
		return nil
	}
	if ctx.Err() == context.DeadlineExceeded {
		return fmt.Errorf("%w (%v)", ErrTimeout, m.Timeout)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", m.QEMU, err)
	}
	return nil
}

// DoneGrace is how long a guest whose script is done may take to power off
// (Machine.DoneGrace, when that is 0).
const DoneGrace = 10 * time.Second

var errHalted = errors.New("the guest finished its script but did not power off")

// doneWatcher passes the serial console through and calls done once, when
// the script's last line (Marker + "done") has been written.
type doneWatcher struct {
	mu   sync.Mutex
	w    io.Writer
	tail []byte
	seen bool
	done func()
}

func (d *doneWatcher) Write(p []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	n, err := d.w.Write(p)
	if !d.seen {
		d.tail = append(d.tail, p...)
		if bytes.Contains(d.tail, []byte(Marker+"done")) {
			d.seen = true
			d.done()
		}
		if len(d.tail) > 64 {
			d.tail = d.tail[len(d.tail)-64:]
		}
	}
	return n, err
}
