"""The vmlinux_with_fips140 rule: vmlinux carrying fips140.ko and its HMAC."""

load(":actions/helpers.bzl", "HELPER_ATTRS", "emit_embed", "emit_hmac", "emit_link_vmlinux")
load(":providers.bzl", "Fips140ModuleInfo", "KernelConfigInfo")

_TOOLCHAIN = "//toolchains:kernel_toolchain_type"

_ATTRS = {
    "kernel_config": attr.label(mandatory = True, providers = [KernelConfigInfo], doc = "The kernel_config holding CONFIG_CRYPTO_FIPS140_HMAC_KEY."),
    "lds": attr.label(mandatory = True, allow_single_file = True, doc = "The kernel's own vmlinux linker script; it is not edited: the FIPS 140 sections are inserted after its read-only data."),
    "module": attr.label(mandatory = True, providers = [Fips140ModuleInfo], doc = "The fips140_ko to embed."),
    "srcs": attr.label_list(mandatory = True, allow_files = [".o", ".a"], doc = "vmlinux's objects: a vmlinux.o-like relocatable (and any archives), in link order."),
} | HELPER_ATTRS

def _vmlinux_with_fips140_impl(ctx):
    toolchain = ctx.toolchains[_TOOLCHAIN].kernel
    module = ctx.attr.module[Fips140ModuleInfo]
    config = ctx.attr.kernel_config[KernelConfigInfo]
    if module.arch != toolchain.arch:
        fail("the fips140 module is for %s, but the target platform's kernel toolchain builds for %s" % (module.arch, toolchain.arch))
    name = ctx.label.name
    hmac = ctx.actions.declare_file(name + "/crypto/fips140/.fips140.hmac")
    emit_hmac(ctx, config = config.file, module = module.ko, out = hmac)
    ko_obj = ctx.actions.declare_file(name + "/crypto/fips140/fips140-embedded.o")

    # The blobs' own _binary_* symbols must not clash with the bounds that the
    # placement script defines, so they are named after "...-blob".
    emit_embed(ctx, arch = toolchain.arch, blob = module.ko, name = "fips140-ko-blob", section = ".fips140_module_data", out = ko_obj)
    hmac_obj = ctx.actions.declare_file(name + "/crypto/fips140/fips140-digest.o")
    emit_embed(ctx, arch = toolchain.arch, blob = hmac, name = "fips140-hmac-blob", section = ".fips140_digest", out = hmac_obj)
    vmlinux = ctx.actions.declare_file(name + "/vmlinux")
    emit_link_vmlinux(ctx, toolchain = toolchain, inputs = ctx.files.srcs, kernel_lds = ctx.file.lds, ko_obj = ko_obj, hmac_obj = hmac_obj, out = vmlinux)
    return [
        DefaultInfo(files = depset([vmlinux])),
        OutputGroupInfo(fips140 = depset([module.ko, hmac] + module.crypto_modules)),
    ]

vmlinux_with_fips140 = rule(
    implementation = _vmlinux_with_fips140_impl,
    doc = """Links vmlinux with fips140.ko embedded: computes the module's HMAC-SHA256 with the
config's key, embeds module and digest as `.fips140_module_data` and `.fips140_digest`
(bounded by `_binary_fips140_ko_start/_end` and `_binary_fips140_hmac_start/_end`), and
places them after the read-only data of the kernel's own linker script, which it does
not edit.""",
    attrs = _ATTRS,
    toolchains = [_TOOLCHAIN],
)
