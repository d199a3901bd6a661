"""The kernel_headers rule: what module objects of one kernel build against."""

load(":actions/compile.bzl", "emit_compile", "module_defines")
load(":actions/objtool.bzl", "before_objtool", "finish_objtool")
load(":actions/tools.bzl", "LDWRAP_ATTRS")
load(":providers.bzl", "KernelHeadersInfo")

visibility("//rules/...")

_TOOLCHAIN = "//toolchains:kernel_toolchain_type"

_ATTRS = {
    "aflags": attr.string_list(doc = "The kernel's assembler flags for module objects (kbuild's `a_flags` without the per-object defines), after the include directories, as for cflags. Needed only for `.S` parts."),
    "cflags": attr.string_list(doc = "The kernel's compile flags for module objects, after the include directories. `$(PACKAGE_DIR)` in a flag stands for this package's directory in the execution root (for headers in an external repository)."),
    "external_modules": attr.bool(doc = "Modules built against these headers are external modules (kbuild's `M=`), as against an installed kernel: modpost runs with `-e`, so exports that Module.symvers names for the kernel's own modules may be exported again."),
    "genksyms": attr.label(allow_single_file = True, executable = True, cfg = "exec", doc = "The kernel's scripts/genksyms/genksyms (kernels with CONFIG_MODVERSIONS and CONFIG_GENKSYMS), e.g. linux-kbuild's. crypto_objs runs it on parts that export symbols."),
    "hdrs": attr.label_list(allow_files = True, doc = "Every header (and file) the flags refer to."),
    "include_dirs": attr.string_list(doc = "Include directories, relative to this package; each becomes `-I`."),
    "module_common_c": attr.label(mandatory = True, allow_single_file = [".c"], doc = "The kernel's scripts/module-common.c (vermagic), compiled once into `.module-common.o`."),
    "module_lds": attr.label(mandatory = True, allow_single_file = True, doc = "The kernel's module linker script."),
    "objtool": attr.label(allow_single_file = True, executable = True, cfg = "exec", doc = "The kernel's objtool (x86_64 kernels with CONFIG_OBJTOOL), e.g. linux-kbuild's `tools/objtool/objtool.real-x86`. Set together with objtool_args."),
    "objtool_args": attr.string_list(doc = "The arguments kbuild gives objtool for module objects (its `objtool-args`, which include `--link --module` on kernels with CONFIG_X86_KERNEL_IBT)."),
    "resolve_btfids": attr.label(allow_single_file = True, executable = True, cfg = "exec", doc = "The kernel's resolve_btfids (kernels with CONFIG_DEBUG_INFO_BTF), e.g. linux-kbuild's `tools/bpf/resolve_btfids/resolve_btfids`. vmlinux_with_fips140 needs it, with the toolchain's pahole, for module BTF (CONFIG_DEBUG_INFO_BTF_MODULES)."),
    "symvers": attr.label(allow_single_file = True, doc = "vmlinux's Module.symvers."),
    "symvers_complete": attr.bool(default = True, doc = "symvers lists every export of the kernel (as kbuild writes it), so a symbol fips140.ko needs and the kernel lacks fails its modpost pass. Off for a partial, hand-written one."),
}

def _include_flag(ctx, rel):
    path = "/".join([p for p in [ctx.label.workspace_root, ctx.label.package, rel] if p])
    return ["-I" + path, "-I" + ctx.bin_dir.path + "/" + path]

def _check_objtool(ctx):
    if bool(ctx.file.objtool) != bool(ctx.attr.objtool_args):
        fail("%s: objtool and objtool_args go together: set both or neither" % ctx.label)
    for want in ["--link", "--module"] if ctx.file.objtool else []:
        if want not in ctx.attr.objtool_args:
            fail("%s: objtool_args lack %s: only kernels whose objtool pass runs on linked module objects (CONFIG_X86_KERNEL_IBT or LTO_CLANG) are supported" % (ctx.label, want))

def _kernel_headers_impl(ctx):
    _check_objtool(ctx)
    toolchain = ctx.toolchains[_TOOLCHAIN].kernel
    cflags = []
    for rel in ctx.attr.include_dirs:
        cflags.extend(_include_flag(ctx, rel))
    package_dir = "/".join([p for p in [ctx.label.workspace_root, ctx.label.package] if p]) or "."
    cflags.extend([f.replace("$(PACKAGE_DIR)", package_dir) for f in ctx.attr.cflags])
    aflags = []
    if ctx.attr.aflags:
        for rel in ctx.attr.include_dirs:
            aflags.extend(_include_flag(ctx, rel))
        aflags.extend([f.replace("$(PACKAGE_DIR)", package_dir) for f in ctx.attr.aflags])
    info = kernel_headers_info(
        ctx,
        toolchain = toolchain,
        module_common_c = ctx.file.module_common_c,
        aflags = aflags,
        arch = toolchain.arch,
        cflags = cflags,
        external_modules = ctx.attr.external_modules,
        genksyms = ctx.file.genksyms,
        hdrs = depset(ctx.files.hdrs),
        module_lds = ctx.file.module_lds,
        objtool = ctx.file.objtool,
        objtool_args = ctx.attr.objtool_args,
        resolve_btfids = ctx.file.resolve_btfids,
        symvers = ctx.file.symvers,
        symvers_complete = ctx.attr.symvers_complete and ctx.file.symvers != None,
    )
    return [DefaultInfo(files = depset([info.module_common_o])), info]

def kernel_headers_info(ctx, *, toolchain, module_common_c, **fields):
    """Compiles the kernel's module-common.c as kbuild does and returns the KernelHeadersInfo.

    `.module-common.o` is compiled with the headers' own flags (objtool runs
    on it when the kernel has one), so the provider is never half filled.

    Args:
      ctx: the rule context (with `_ldwrap` for objtool).
      toolchain: KernelToolchainInfo.
      module_common_c: the kernel's scripts/module-common.c.
      **fields: every KernelHeadersInfo field but module_common_o.

    Returns:
      KernelHeadersInfo.
    """
    common = ctx.actions.declare_file(ctx.label.name + "/.module-common.o")
    compiling = KernelHeadersInfo(module_common_o = None, **fields)
    pre = before_objtool(ctx, headers = compiling, out = common)
    emit_compile(
        ctx,
        toolchain = toolchain,
        headers = compiling,
        src = module_common_c,
        out = pre,
        kbuild_defines = module_defines("module_common", "module_common"),
    )
    finish_objtool(ctx, headers = compiling, pre = pre, out = common)
    return KernelHeadersInfo(module_common_o = common, **fields)

kernel_headers = rule(
    implementation = _kernel_headers_impl,
    doc = "A kernel's headers, compile flags, module.lds and Module.symvers (and its objtool and resolve_btfids), for building modules against it with the target platform's kernel toolchain.",
    attrs = _ATTRS | LDWRAP_ATTRS,
    provides = [KernelHeadersInfo],
    toolchains = [_TOOLCHAIN],
)
