"""A vmlinux_with_fips140 whose relink gets one more object: the module BTF must change, and the check must say so."""

load("//rules:defs.bzl", "Fips140ModuleInfo", "KernelConfigInfo")

# A test of the private emitters, which only rules/ may load otherwise.
# buildifier: disable=bzl-visibility
load("//rules/private:actions/btf.bzl", "BTF_ATTRS", "btf_module", "emit_module_btf")

# buildifier: disable=bzl-visibility
load("//rules/private:actions/embed.bzl", "emit_embed")

# buildifier: disable=bzl-visibility
load("//rules/private:actions/hmac.bzl", "emit_hmac")

# buildifier: disable=bzl-visibility
load("//rules/private:actions/link_vmlinux.bzl", "emit_link_vmlinux")

# buildifier: disable=bzl-visibility
load("//rules/private:actions/tools.bzl", "EMBED_ATTRS", "HMAC_ATTRS", "LDWRAP_ATTRS")

_TOOLCHAIN = "//toolchains:kernel_toolchain_type"

def _impl(ctx):
    toolchain = ctx.toolchains[_TOOLCHAIN].kernel
    module = ctx.attr.module[Fips140ModuleInfo]
    name = ctx.label.name
    hmac = ctx.actions.declare_file(name + "/crypto/fips140/.fips140.hmac")
    config = ctx.attr.kernel_config[KernelConfigInfo]
    emit_hmac(ctx, config = config.file, min_key_length = config.min_key_length, module = module.ko, out = hmac)
    ko_obj = ctx.actions.declare_file(name + "/crypto/fips140/fips140-embedded.o")
    emit_embed(ctx, arch = toolchain.arch, blob = module.ko, name = "fips140-ko-blob", section = ".fips140_module_data", out = ko_obj)
    hmac_obj = ctx.actions.declare_file(name + "/crypto/fips140/fips140-digest.o")
    emit_embed(ctx, arch = toolchain.arch, blob = hmac, name = "fips140-hmac-blob", section = ".fips140_digest", out = hmac_obj)

    # The relink (the one with the module BTF objects) also links
    # relink_srcs: vmlinux's own BTF grows, so the module's type IDs move.
    def link(out, btf_objects, extra):
        srcs = ctx.files.srcs + (ctx.files.relink_srcs if btf_objects else [])
        emit_link_vmlinux(ctx, toolchain = toolchain, inputs = srcs + extra, kernel_lds = ctx.file.lds, ko_obj = ko_obj, hmac_obj = hmac_obj, out = out, btf = True, btf_objects = btf_objects)

    vmlinux = ctx.actions.declare_file(name + "/vmlinux")
    btf = emit_module_btf(
        ctx,
        toolchain = toolchain,
        resolve_btfids = module.kernel.resolve_btfids,
        modules = [btf_module("fips140", module.ko)],
        link = link,
        out = vmlinux,
        strict = ctx.attr.strict_btf,
        generate_vmlinux_btf = True,
    )
    return [
        DefaultInfo(files = depset([vmlinux])),
        OutputGroupInfo(btf = depset([btf.report, btf.first, btf.relinked, module.ko] + btf.blobs)),
    ]

relink_vmlinux = rule(
    implementation = _impl,
    doc = "vmlinux_with_fips140's BTF flow with `relink_srcs` added to the relink only.",
    attrs = {
        "kernel_config": attr.label(mandatory = True, providers = [KernelConfigInfo]),
        "lds": attr.label(mandatory = True, allow_single_file = True),
        "module": attr.label(mandatory = True, providers = [Fips140ModuleInfo]),
        "relink_srcs": attr.label_list(allow_files = [".o"]),
        "srcs": attr.label_list(mandatory = True, allow_files = [".o"]),
        "strict_btf": attr.bool(),
    } | EMBED_ATTRS | HMAC_ATTRS | LDWRAP_ATTRS | BTF_ATTRS,
    toolchains = [_TOOLCHAIN],
)
