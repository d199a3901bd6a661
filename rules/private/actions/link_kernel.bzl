"""Emits the final link of a kernel_build's vmlinux, as link-vmlinux.sh does, with the fips140 blobs."""

load("//rules/private:embedded.bzl", "EMBEDDED")

visibility("//rules/private/...")

def emit_link_kernel(ctx, *, toolchain, kernel, embedded, out, unstripped, system_map, image = None):
    """Links vmlinux from the kernel's objects and the embedded blobs, with kallsyms, sorttable and the strip step.

    Args:
      ctx: the rule context.
      toolchain: KernelToolchainInfo.
      kernel: KernelBuildInfo.
      embedded: dict of ldwrap flag (`fips140-ko`, `fips140-hmac`, `nonfips140-ko`) to object.
      out: vmlinux.
      unstripped: vmlinux.unstripped.
      system_map: System.map.
      image: arm64's boot Image (objcopy -O binary), or None.
    """
    if not toolchain.nm:
        fail("the %s kernel toolchain has no nm, which a real kernel's link needs" % toolchain.arch)
    args = ctx.actions.args()
    args.use_param_file("@%s", use_always = True)
    args.set_param_file_format("multiline")
    args.add("link-kernel")
    args.add("-ld", toolchain.ld)
    args.add("-nm", toolchain.nm)
    args.add("-cc", toolchain.cc)
    args.add("-objcopy", toolchain.objcopy)
    args.add("-kallsyms", kernel.kallsyms)
    args.add("-sorttable", kernel.sorttable)
    args.add("-mksysmap", kernel.mksysmap)
    args.add("-config", kernel.config)
    args.add("-link-cmd", kernel.link_cmd)
    args.add("-kernel-lds", kernel.lds)
    args.add("-headers", kernel.headers.path)
    args.add_all(toolchain.cc_flags + kernel.aflags, format_each = "-ccflag=%s")
    for flag, obj in sorted(embedded.items()):
        if flag not in EMBEDDED:
            fail("embedded: %r is not one of %s" % (flag, sorted(EMBEDDED)))
        args.add("-" + flag, obj)
    args.add("-unstripped", unstripped)
    args.add("-system-map", system_map)
    if image:
        args.add("-image", image)
    args.add("-work", out.path + ".work")
    args.add("-o", out)
    args.add_all(kernel.objects)
    ctx.actions.run(
        executable = ctx.executable._ldwrap,
        arguments = [args],
        inputs = kernel.objects + embedded.values() + [kernel.kallsyms, kernel.sorttable, kernel.mksysmap, kernel.config, kernel.link_cmd, kernel.lds, kernel.headers],
        tools = toolchain.tool_files,
        outputs = [out, unstripped, system_map] + ([image] if image else []),
        mnemonic = "KernelLinkVmlinux",
        progress_message = "Linking the kernel %{output}",
    )
