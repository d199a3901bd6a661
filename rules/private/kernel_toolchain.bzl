"""The kernel_toolchain rule: one architecture's compiler, linker and binutils."""

load(":providers.bzl", "KernelToolchainInfo")

# Loaded by the BUILD file of @kernel_tools, which host_tools.bzl generates.
visibility("public")

_ATTRS = {
    "arch": attr.string(mandatory = True, values = ["x86_64", "arm64"], doc = "The kernel ARCH this toolchain builds for."),
    "build_files": attr.label_list(allow_files = True, doc = "Everything `make` and the programs a kernel build runs need as inputs (with `make`)."),
    "cc": attr.label(mandatory = True, allow_single_file = True, executable = True, cfg = "exec", doc = "The C compiler driver."),
    "cc_flags": attr.string_list(doc = "Flags added to every compile, e.g. clang's `--target=aarch64-linux-gnu`."),
    "compiler": attr.string(mandatory = True, values = ["gcc", "clang"], doc = "Which compiler family `cc` is."),
    "files": attr.label_list(allow_files = True, doc = "Files the tools need besides themselves (a pinned tree's loader, libraries, gcc's sub-programs)."),
    "ld": attr.label(mandatory = True, allow_single_file = True, executable = True, cfg = "exec", doc = "The linker."),
    "lld": attr.bool(doc = "`ld` is ld.lld rather than GNU ld. (ldwrap derives the architecture's linker flags from the objects.)"),
    "make": attr.label(allow_single_file = True, executable = True, cfg = "exec", doc = "GNU make, in a directory of every program a kernel build runs: kernel_build runs kbuild with PATH set to that directory alone. Unset: kernel_build takes make and the rest from the action's PATH."),
    "nm": attr.label(allow_single_file = True, executable = True, cfg = "exec", doc = "nm, for the symbol tables of a real kernel's link (kallsyms, System.map, sorttable)."),
    "objcopy": attr.label(mandatory = True, allow_single_file = True, executable = True, cfg = "exec", doc = "objcopy."),
    "packages": attr.label(allow_single_file = True, doc = "The pinned Debian packages the tools come from, one `name version pool-path sha256` line each (tab-separated), for the provenance record."),
    "pahole": attr.label(allow_single_file = True, executable = True, cfg = "exec", doc = "pahole, for module BTF."),
    "target_triple": attr.string(mandatory = True, doc = "The GNU target triple, e.g. `x86_64-linux-gnu`."),
    "versions": attr.string_dict(doc = "Tool name to the first line of its `--version`."),
}

def _kernel_toolchain_impl(ctx):
    tools = [ctx.file.cc, ctx.file.ld, ctx.file.objcopy] + [f for f in [ctx.file.nm, ctx.file.pahole] if f]
    info = KernelToolchainInfo(
        arch = ctx.attr.arch,
        build_files = depset(ctx.files.build_files),
        make = ctx.file.make,
        packages = ctx.file.packages,
        cc = ctx.file.cc,
        cc_flags = ctx.attr.cc_flags,
        compiler = ctx.attr.compiler,
        ld = ctx.file.ld,
        lld = ctx.attr.lld,
        nm = ctx.file.nm,
        objcopy = ctx.file.objcopy,
        pahole = ctx.file.pahole,
        target_triple = ctx.attr.target_triple,
        tool_files = depset(tools, transitive = [depset(ctx.files.files)]),
        versions = ctx.attr.versions,
    )
    return [platform_common.ToolchainInfo(kernel = info), info]

kernel_toolchain = rule(
    implementation = _kernel_toolchain_impl,
    doc = "Declares the tools that build kernel objects for one architecture. Wrap it in `toolchain()` with `//toolchains:kernel_toolchain_type`.",
    attrs = _ATTRS,
    provides = [KernelToolchainInfo],
)
