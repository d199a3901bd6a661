package main

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

func TestParseArgsBad(t *testing.T) {
	full := []string{"--arch", "x86_64", "--qemu", "q", "--kernel", "k", "--busybox", "b", "--log", "l"}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no kernel", []string{"--arch", "x86_64", "--qemu", "q", "--busybox", "b", "--log", "l"}, "--kernel is required"},
		{"no log", []string{"--arch", "x86_64", "--qemu", "q", "--kernel", "k", "--busybox", "b"}, "--log is required"},
		{"bad scenario", append(full, "--scenario", "maybe"), "unknown scenario"},
		{"reject without a module", append(full, "--scenario", "reject"), "needs --module"},
		{"reject with one module, no reason", append(full, "--scenario", "reject", "--module", "a.ko"), "needs --expect-log"},
		{"bad expect", append(full, "--expect", "serpent"), "MODULE:NAME"},
		{"same base name", append(full, "--module", "a/x.ko", "--module", "b/x.ko"), "two --module files are named x.ko"},
		{"extra argument", append(full, "x"), "unexpected argument"},
		{"bad timeout", append(full, "--timeout", "0s"), "must be positive"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseArgs(tc.args, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestJudgeSavedLog(t *testing.T) {
	for _, tc := range []struct {
		args []string
		rc   int
		want string
	}{
		{[]string{"--judge", "../internal/boot/testdata/load-arm64.log", "--arch", "arm64", "--module", "fips140.ko", "--module", "blowfish_common.ko", "--module", "blowfish_generic.ko",
			"--expect", "fips140:serpent", "--expect", "blowfish_generic:blowfish", "--min-fips-algs", "6"}, 0, "bootcheck: PASS arm64 load [fips140.ko blowfish_common.ko blowfish_generic.ko]"},
		{[]string{"--judge", "../internal/boot/testdata/reject-warning-x86_64.log", "--arch", "x86_64", "--scenario", "reject",
			"--module", "rmd160_pre.ko", "--module", "fips140.ko"}, 1, "bootcheck: FAIL: kernel log: [    4.162300] WARNING: crypto/algapi.c:503"},
		{[]string{"--judge", "../internal/boot/testdata/load-arm64.log", "--module", "fips140.ko", "--expect", "fips140:aes"}, 1, "no algorithm aes of module fips140"},
		{[]string{"--judge", "missing.log"}, 1, "bootcheck: FAIL: open missing.log"},
	} {
		o, err := parseArgs(tc.args, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if rc := run(o, &out); rc != tc.rc || !strings.Contains(out.String(), tc.want) {
			t.Errorf("%q: rc %d, output:\n%s\nwant rc %d and %q", tc.args, rc, out.String(), tc.rc, tc.want)
		}
	}
}
