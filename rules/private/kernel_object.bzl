"""The kernel_object rule: built-in C objects partially linked into one relocatable."""

load(":actions/compile.bzl", "emit_compile", "module_defines")
load(":actions/partial_link.bzl", "emit_partial_link")
load(":actions/tools.bzl", "LDWRAP_ATTRS")
load(":providers.bzl", "KernelHeadersInfo")

visibility("//rules/...")

_TOOLCHAIN = "//toolchains:kernel_toolchain_type"

_ATTRS = {
    "copts": attr.string_list(doc = "Flags for every source."),
    "hdrs": attr.label_list(allow_files = True, doc = "The sources' own headers."),
    "kernel": attr.label(mandatory = True, providers = [KernelHeadersInfo], doc = "The kernel_headers to build against."),
    "srcs": attr.label_list(mandatory = True, allow_files = [".c", ".S"], doc = "The sources, in link order."),
} | LDWRAP_ATTRS

def _kernel_object_impl(ctx):
    toolchain = ctx.toolchains[_TOOLCHAIN].kernel
    headers = ctx.attr.kernel[KernelHeadersInfo]
    objects = []
    for src in ctx.files.srcs:
        stem = src.basename.rsplit(".", 1)[0]
        obj = ctx.actions.declare_file("_objs/%s/%s.o" % (ctx.label.name, stem))
        emit_compile(ctx, toolchain = toolchain, headers = headers, src = src, out = obj, kbuild_defines = module_defines(stem, ctx.label.name, module = False), copts = ctx.attr.copts, hdrs = depset(ctx.files.hdrs))
        objects.append(obj)
    out = ctx.actions.declare_file(ctx.label.name + ".o")
    emit_partial_link(ctx, toolchain = toolchain, inputs = objects, out = out, composite = True)
    return [DefaultInfo(files = depset([out]))]

kernel_object = rule(
    implementation = _kernel_object_impl,
    doc = "Compiles sources as built-in kernel code and links them with `ld -r` into `<name>.o`, e.g. a small vmlinux.o.",
    attrs = _ATTRS,
    toolchains = [_TOOLCHAIN],
)
