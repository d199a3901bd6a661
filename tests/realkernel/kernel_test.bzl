"""Analysis tests: what debian.kernel derives from Debian's packages."""

load("@bazel_skylib//lib:unittest.bzl", "analysistest", "asserts")
load("//rules:defs.bzl", "KernelHeadersInfo")

# What Debian's 7.2.13 amd64 kbuild ran on a module object, seen in its
# `make V=1` log (../shared/real-kernel.md).
DEBIAN_AMD64_OBJTOOL_ARGS = [
    "--hacks=jump_label",
    "--hacks=noinstr",
    "--hacks=skylake",
    "--ibt",
    "--prefix=16",
    "--orc",
    "--retpoline",
    "--rethunk",
    "--sls",
    "--static-call",
    "--uaccess",
    "--link",
    "--module",
]

def _debian_kernel_impl(ctx):
    env = analysistest.begin(ctx)
    info = analysistest.target_under_test(env)[KernelHeadersInfo]
    asserts.equals(env, ctx.attr.arch, info.arch)
    asserts.equals(env, ctx.attr.objtool_args, info.objtool_args, "objtool args derived from Makefile.lib and .config")
    if ctx.attr.objtool_args:
        asserts.equals(env, "objtool.real-x86", info.objtool.basename)
    else:
        asserts.equals(env, None, info.objtool)
    asserts.true(env, info.external_modules, "modules built against an installed kernel are external")

    # Both kernels have CONFIG_DEBUG_INFO_BTF: the headers' resolve_btfids.
    asserts.true(env, info.resolve_btfids != None and info.resolve_btfids.path.endswith("/tools/bpf/resolve_btfids/resolve_btfids"), "resolve_btfids: %s" % info.resolve_btfids)
    for flag in info.cflags:
        asserts.false(env, flag.startswith("-DMODULE") or flag.startswith("-DKBUILD_"), "per-object define %s in the kernel's flags" % flag)
        asserts.false(env, "@COMMON@" in flag or "@ARCH@" in flag or "$(PACKAGE_DIR)" in flag, "unexpanded %s" % flag)
    includes = [f for f in info.cflags if f.startswith("-I")]
    asserts.true(env, len(includes) >= 8, "include directories: %s" % includes)
    for flag in includes:
        asserts.true(env, "/usr/src/linux-headers-7.2.13+deb14-" in flag, "%s is not in the headers" % flag)
    asserts.true(env, info.symvers.path.endswith("linux-headers-7.2.13+deb14-%s/Module.symvers" % ctx.attr.debian_arch))
    return analysistest.end(env)

debian_kernel_amd64_test = analysistest.make(
    _debian_kernel_impl,
    attrs = {"arch": attr.string(), "debian_arch": attr.string(), "objtool_args": attr.string_list()},
    config_settings = {"//command_line_option:platforms": str(Label("//platforms:x86_64"))},
)

debian_kernel_arm64_test = analysistest.make(
    _debian_kernel_impl,
    attrs = {"arch": attr.string(), "debian_arch": attr.string(), "objtool_args": attr.string_list()},
    config_settings = {"//command_line_option:platforms": str(Label("//platforms:arm64"))},
)
