"""A toolchain target that fails, with its reason, only when it is used."""

# Loaded by the BUILD file of @kernel_tools, which host_tools.bzl generates.
visibility("public")

def _unavailable_toolchain_impl(ctx):
    fail(ctx.attr.reason)

unavailable_toolchain = rule(
    implementation = _unavailable_toolchain_impl,
    doc = "Stands in for a kernel_toolchain whose tools were not found.",
    attrs = {"reason": attr.string(mandatory = True, doc = "Why the toolchain is unavailable.")},
)
