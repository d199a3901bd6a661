"""The crypto_api_stubs rule: the seed's fips140-api.c, compiled once for each side."""

load(":actions/compile.bzl", "emit_compile", "module_defines")
load(":providers.bzl", "CryptoObjsInfo", "KernelConfigInfo", "KernelHeadersInfo")

visibility("//rules/...")

_TOOLCHAIN = "//toolchains:kernel_toolchain_type"

_ATTRS = {
    "copts": attr.string_list(doc = "Flags for both compiles (the seed adds `-I$(srctree)`)."),
    "hdrs": attr.label_list(allow_files = True, doc = "The headers the source includes."),
    "kernel": attr.label(mandatory = True, providers = [KernelHeadersInfo], doc = "The kernel_headers to build against."),
    "kernel_config": attr.label(mandatory = True, providers = [KernelConfigInfo], doc = "The kernel_config; without CRYPTO_FIPS140_EXTMOD there are no stubs."),
    "src": attr.label(mandatory = True, allow_single_file = [".c"], doc = "The stubs' source, the seed's `crypto/fips140/fips140-api.c`."),
}

def _crypto_api_stubs_impl(ctx):
    toolchain = ctx.toolchains[_TOOLCHAIN].kernel
    config = ctx.attr.kernel_config[KernelConfigInfo]
    headers = ctx.attr.kernel[KernelHeadersInfo]
    name = ctx.label.name
    if not config.extmod:
        return [DefaultInfo(), CryptoObjsInfo(config_symbol = "CRYPTO_FIPS140_EXTMOD", init_style = "none", mode = "none", name = name, objects = [], symversions = [])]

    # As the seed's Makefile: fips140-api-main.o (obj-y) and
    # fips140-api-fips.o (crypto-objs-y, so part of module fips140).
    outs = {}
    for side, kbuild_defines, defines in [
        ("main", module_defines(name + "_main", name + "_main", module = False), []),
        ("fips", module_defines(name + "_fips", "fips140"), ["FIPS_MODULE=1"]),
    ]:
        outs[side] = ctx.actions.declare_file("_objs/%s/%s-%s.o" % (name, name, side))
        emit_compile(ctx, toolchain = toolchain, headers = headers, src = ctx.file.src, out = outs[side], kbuild_defines = kbuild_defines, defines = defines, copts = ctx.attr.copts, hdrs = depset(ctx.files.hdrs))
    return [
        # The vmlinux side, for vmlinux_with_fips140's srcs.
        DefaultInfo(files = depset([outs["main"]])),
        # The module side, for fips140_ko's objs.
        CryptoObjsInfo(config_symbol = "CRYPTO_FIPS140_EXTMOD", init_style = "none", mode = "fips140", name = name, objects = [outs["fips"]], symversions = []),
    ]

crypto_api_stubs = rule(
    implementation = _crypto_api_stubs_impl,
    doc = """The seed's API stubs: one source (`fips140-api.c`) compiled twice, as
`<name>-main.o` for vmlinux (a built-in object, without FIPS_MODULE; its files) and as
`<name>-fips.o` for module fips140 (`-DMODULE`, KBUILD_MODNAME fips140,
`-DFIPS_MODULE=1`; its CryptoObjsInfo, for fips140_ko's `objs`). The two sides are the
address placeholders in vmlinux and what fills them from the module. Without
CRYPTO_FIPS140_EXTMOD there are no stubs.""",
    attrs = _ATTRS,
    provides = [CryptoObjsInfo],
    toolchains = [_TOOLCHAIN],
)
