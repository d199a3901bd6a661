"""Emits the vmlinux link of objects and a kernel linker script with the FIPS 140 sections (ldwrap link-vmlinux)."""

load(":actions/tools.bzl", "tool_args")

visibility([
    "//rules/private/...",
    "//tests/btf/...",
])

def emit_link_vmlinux(ctx, *, toolchain, inputs, kernel_lds, ko_obj, hmac_obj, out, nonfips140_ko_obj = None, btf = False, btf_objects = {}):
    """Links vmlinux from its objects plus the embedded module and digest, placed after read-only data.

    With btf, the module BTF sections are placed too (empty, with their
    bounds, when btf_objects has no object for them: the seed's first link).

    Args:
      ctx: the rule context.
      toolchain: KernelToolchainInfo.
      inputs: list of Files: the archives or objects to link, in link order.
      kernel_lds: the kernel's vmlinux linker script File.
      ko_obj: the object embedding fips140.ko.
      hmac_obj: the object embedding the digest.
      out: the File to write.
      nonfips140_ko_obj: the object embedding the second, fresh module (DUAL_VERSION), or None.
      btf: place the module BTF sections (CONFIG_DEBUG_INFO_BTF_MODULES).
      btf_objects: dict of ldwrap flag (`fips140-btf`, `nonfips140-btf`) to the object holding that BTF.
    """
    args = tool_args(ctx)
    args.add("link-vmlinux")
    args.add("-ld", toolchain.ld)
    if toolchain.lld:
        args.add("-lld")
    args.add("-fips140-ko", ko_obj)
    args.add("-fips140-hmac", hmac_obj)
    extra = []
    if nonfips140_ko_obj:
        args.add("-dual")
        args.add("-nonfips140-ko", nonfips140_ko_obj)
        extra.append(nonfips140_ko_obj)
    if btf:
        args.add("-btf")
    for flag, obj in btf_objects.items():
        args.add("-" + flag, obj)
    args.add("-kernel-lds", kernel_lds)
    args.add("-o", out)
    args.add_all(inputs)
    ctx.actions.run(
        executable = ctx.executable._ldwrap,
        arguments = [args],
        inputs = inputs + [kernel_lds, ko_obj, hmac_obj] + extra + btf_objects.values(),
        tools = toolchain.tool_files,
        outputs = [out],
        mnemonic = "KernelLinkVmlinux",
        progress_message = "Linking %{output}",
    )
