"""The kernel_headers rule: what module objects of one kernel build against."""

load(":actions/compile.bzl", "emit_compile", "module_defines")
load(":providers.bzl", "KernelHeadersInfo")

_TOOLCHAIN = "//toolchains:kernel_toolchain_type"

_ATTRS = {
    "cflags": attr.string_list(doc = "The kernel's compile flags for module objects, after the include directories."),
    "hdrs": attr.label_list(allow_files = True, doc = "Every header (and file) the flags refer to."),
    "include_dirs": attr.string_list(doc = "Include directories, relative to this package; each becomes `-I`."),
    "module_common_c": attr.label(mandatory = True, allow_single_file = [".c"], doc = "The kernel's scripts/module-common.c (vermagic), compiled once into `.module-common.o`."),
    "module_lds": attr.label(mandatory = True, allow_single_file = True, doc = "The kernel's module linker script."),
    "symvers": attr.label(allow_single_file = True, doc = "vmlinux's Module.symvers."),
}

def _include_flag(ctx, rel):
    path = "/".join([p for p in [ctx.label.workspace_root, ctx.label.package, rel] if p])
    return ["-I" + path, "-I" + ctx.bin_dir.path + "/" + path]

def _kernel_headers_impl(ctx):
    toolchain = ctx.toolchains[_TOOLCHAIN].kernel
    cflags = []
    for rel in ctx.attr.include_dirs:
        cflags.extend(_include_flag(ctx, rel))
    cflags.extend(ctx.attr.cflags)
    hdrs = depset(ctx.files.hdrs)
    common = ctx.actions.declare_file(ctx.label.name + "/.module-common.o")
    partial = KernelHeadersInfo(arch = toolchain.arch, cflags = cflags, hdrs = hdrs, module_common_o = None, module_lds = None, symvers = None)
    emit_compile(
        ctx,
        toolchain = toolchain,
        headers = partial,
        src = ctx.file.module_common_c,
        out = common,
        defines = module_defines("module_common", "module_common"),
    )
    return [
        DefaultInfo(files = depset([common])),
        KernelHeadersInfo(
            arch = toolchain.arch,
            cflags = cflags,
            hdrs = hdrs,
            module_common_o = common,
            module_lds = ctx.file.module_lds,
            symvers = ctx.file.symvers,
        ),
    ]

kernel_headers = rule(
    implementation = _kernel_headers_impl,
    doc = "A kernel's headers, compile flags, module.lds and Module.symvers, for building modules against it with the target platform's kernel toolchain.",
    attrs = _ATTRS,
    provides = [KernelHeadersInfo],
    toolchains = [_TOOLCHAIN],
)
