"""boot_test: boots Debian's kernel under qemu (TCG) with a busybox initramfs
that loads kernel modules, and judges /proc/crypto and the kernel log with
//tools/bootcheck. The serial log goes to the test's undeclared outputs.

Private to this repository's tests: not part of rules/defs.bzl.
"""

load("//rules:defs.bzl", "Fips140ModuleInfo")

_PLATFORMS = {
    "arm64": str(Label("//platforms:arm64")),
    "x86_64": str(Label("//platforms:x86_64")),
}

# What each architecture boots by default: pinned Debian packages and the
# emulator recorded by @kernel_tools.
_DEFAULTS = {
    "arm64": struct(
        busybox = "@debian_busybox_static_arm64//:busybox",
        kernel = "@debian_linux_binary_7_2_13_arm64//:vmlinuz",
        qemu = "@kernel_tools//:qemu_arm64",
    ),
    "x86_64": struct(
        busybox = "@debian_busybox_static_amd64//:busybox",
        kernel = "@debian_linux_binary_7_2_13_amd64//:vmlinuz",
        qemu = "@kernel_tools//:qemu_x86_64",
    ),
}

def _arch_transition_impl(_settings, attr):
    return {"//command_line_option:platforms": _PLATFORMS[attr.arch]}

# Modules and the guest's modload are built for the kernel's architecture.
_arch_transition = transition(
    implementation = _arch_transition_impl,
    inputs = [],
    outputs = ["//command_line_option:platforms"],
)

def _one_file(target, what):
    files = target[DefaultInfo].files.to_list()
    if len(files) != 1:
        fail("%s %s must be one file, not %d" % (what, target.label, len(files)))
    return files[0]

def _boot_test_impl(ctx):
    modules = [_one_file(m, "module") for m in ctx.attr.modules]
    if ctx.attr.fips140:
        fips = ctx.attr.fips140[0]
        if Fips140ModuleInfo in fips:
            info = fips[Fips140ModuleInfo]
            if info.arch != ctx.attr.arch:
                fail("%s is a module for %s, not %s" % (fips.label, info.arch, ctx.attr.arch))
            if not ctx.attr.embedded:
                modules.append(info.ko)
            if (ctx.attr.scenario == "load" or ctx.attr.embedded) and ctx.attr.load_crypto_modules:
                modules.extend(info.crypto_modules)
        else:
            modules.append(_one_file(fips, "fips140"))
    elif ctx.attr.scenario == "reject" and not ctx.attr.embedded:
        fail("scenario reject needs fips140 (or embedded): the module that must fail to load")
    if ctx.attr.embedded and "fips140" in ctx.attr.embedded and not ctx.file.embedded_config:
        fail("embedded fips140 needs embedded_config: the .config whose HMAC key the guest checks with")

    bootcheck = ctx.executable._bootcheck
    modload = ctx.attr._modload[0][DefaultInfo].files_to_run.executable
    kernel = ctx.files.kernel[0]
    busybox = ctx.file.busybox
    qemu = _one_file(ctx.attr.qemu, "qemu")
    args = [
        "--arch=" + ctx.attr.arch,
        "--qemu=" + qemu.short_path,
        "--kernel=" + kernel.short_path,
        "--busybox=" + busybox.short_path,
        "--modload=" + modload.short_path,
        "--scenario=" + ctx.attr.scenario,
        "--min-fips-algs=%d" % ctx.attr.min_fips_algs,
        "--timeout=%ds" % ctx.attr.boot_timeout,
    ]
    args += ["--module=" + m.short_path for m in modules]
    args += ["--expect=" + e for e in ctx.attr.expect]
    args += ["--expect-preferred=" + e for e in ctx.attr.expect_preferred]
    args += ["--kernel-arg=" + a for a in ctx.attr.kernel_args]
    args += ["--embedded=" + e for e in ctx.attr.embedded]
    args += ["--expect-log=" + e for e in ctx.attr.expect_log]
    extra = []
    if ctx.file.embedded_config:
        args.append("--embedded-config=" + ctx.file.embedded_config.short_path)
        extra.append(ctx.file.embedded_config)

    # Runfiles paths: the test runs in its runfiles tree's main repository
    # directory, where external files are at ../<repo>/.
    script = ctx.actions.declare_file(ctx.label.name + ".sh")
    ctx.actions.write(script, """#!/bin/sh
set -eu
out=${{TEST_UNDECLARED_OUTPUTS_DIR:-${{TEST_TMPDIR:-/tmp}}}}
exec {bootcheck} {args} --initrd="$TEST_TMPDIR/initrd.gz" --log="$out/serial.log"
""".format(
        bootcheck = bootcheck.short_path,
        args = " ".join(["'%s'" % a for a in args]),
    ), is_executable = True)
    runfiles = ctx.runfiles(files = [bootcheck, modload, kernel, busybox, qemu] + modules + extra)
    runfiles = runfiles.merge(ctx.attr._bootcheck[DefaultInfo].default_runfiles)
    return [DefaultInfo(executable = script, runfiles = runfiles)]

_boot_test = rule(
    implementation = _boot_test_impl,
    test = True,
    attrs = {
        "arch": attr.string(mandatory = True, values = ["x86_64", "arm64"], doc = "The kernel's architecture; modules are built for it."),
        "boot_timeout": attr.int(default = 240, doc = "Seconds the guest may run: a boot takes about 5 s under TCG, much more on a loaded machine. Keep it below the test size's timeout."),
        "busybox": attr.label(mandatory = True, allow_single_file = True, doc = "A static busybox for the guest."),
        "embedded": attr.string_list(doc = "Modules the kernel itself embeds (`fips140`, `nonfips140`), loaded after the others: the guest finds each through /proc/kallsyms, reads it through /proc/kcore, checks fips140's HMAC-SHA256 with `embedded_config`'s key, and loads the bytes."),
        "embedded_config": attr.label(allow_single_file = True, doc = "With embedded fips140: the .config holding CONFIG_CRYPTO_FIPS140_HMAC_KEY."),
        "expect": attr.string_list(doc = "`MODULE:NAME`: module MODULE must register an algorithm with this name or driver."),
        "expect_log": attr.string_list(doc = "Texts the serial log must contain, e.g. the kernel's or modload's reason for a failure."),
        "expect_preferred": attr.string_list(doc = "`NAME=DRIVER`: DRIVER must have the highest priority of the implementations of NAME, e.g. an accelerated driver winning over the generic one."),
        "fips140": attr.label(cfg = _arch_transition, allow_files = [".ko"], doc = "A fips140_ko target (its ko, then in scenario `load` its crypto_modules; with `embedded`, only its crypto_modules) or one .ko file, loaded after `modules`."),
        "kernel": attr.label(mandatory = True, allow_single_file = True, cfg = _arch_transition, doc = "The kernel image (vmlinuz; a vmlinux_with_fips140's bootable image), built for `arch`."),
        "kernel_args": attr.string_list(doc = "More kernel command-line arguments, e.g. `preempt=full`."),
        "load_crypto_modules": attr.bool(default = True, doc = "In scenario `load` (or with `embedded`, in any scenario), load fips140's `=m` crypto modules."),
        "min_fips_algs": attr.int(default = 1, doc = "In scenario `load`: at least this many algorithms of module fips140."),
        "modules": attr.label_list(cfg = _arch_transition, allow_files = [".ko"], doc = "Module files loaded first, in order (in scenario `reject`: the ones that register an algorithm of fips140 first)."),
        "qemu": attr.label(mandatory = True, allow_files = True, doc = "The qemu-system-* program, e.g. @kernel_tools//:qemu_x86_64."),
        "scenario": attr.string(default = "load", values = ["load", "reject"], doc = "`load`: everything loads and unloads cleanly. `reject`: fips140 must fail to load and leave nothing registered."),
        "_allowlist_function_transition": attr.label(default = "@bazel_tools//tools/allowlists/function_transition_allowlist"),
        "_bootcheck": attr.label(default = "//tools/bootcheck", executable = True, cfg = "target"),
        "_modload": attr.label(default = "//tools/modload", cfg = _arch_transition),
    },
)

def boot_test(name, arch, kernel = None, busybox = None, qemu = None, size = "medium", tags = [], **kwargs):
    """Boots `arch`'s Debian kernel with modules and judges the result.

    Args:
      name: the test's name.
      arch: "x86_64" or "arm64".
      kernel: the kernel image; Debian's 7.2.13 by default.
      busybox: a static busybox; Debian's by default.
      qemu: the emulator; @kernel_tools' by default.
      size: the test size.
      tags: more tags; `realkernel` is always added.
      **kwargs: see _boot_test's attributes (modules, fips140, scenario, expect, ...).
    """
    d = _DEFAULTS[arch]
    _boot_test(
        name = name,
        arch = arch,
        kernel = kernel or d.kernel,
        busybox = busybox or d.busybox,
        qemu = qemu or d.qemu,
        size = size,
        tags = tags + ([] if "realkernel" in tags else ["realkernel"]),
        **kwargs
    )
