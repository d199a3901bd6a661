"""The kernel_build rule: a kernel from unmodified sources, built by kbuild inside one action."""

load(":actions/kbuild.bzl", "emit_kbuild")
load(":actions/tools.bzl", "LDWRAP_ATTRS")
load(":kernel_headers.bzl", "kernel_headers_info")
load(":providers.bzl", "KernelBuildInfo", "KernelConfigInfo", "KernelHeadersInfo")

visibility("//rules/...")

_TOOLCHAIN = "//toolchains:kernel_toolchain_type"

_SRCARCH = {"arm64": "arm64", "x86_64": "x86"}

_ATTRS = {
    "aflags": attr.string_list(doc = "kbuild's assembler flags for module objects, `@SRC@` and `@OBJ@` standing for the source and object trees. The build fails, printing kbuild's own, when they differ."),
    "cflags": attr.string_list(mandatory = True, doc = "kbuild's C flags for module objects (without per-object defines), `@SRC@` and `@OBJ@` standing for the source and object trees. The build fails, printing kbuild's own, when they differ."),
    "config": attr.label(mandatory = True, providers = [KernelConfigInfo], doc = "The kernel_config of the kernel's .config, already resolved by `make olddefconfig` for this source and compiler (the build fails, naming each symbol, when Kconfig resolves it otherwise); the seed's `CONFIG_CRYPTO_FIPS140_*` lines may follow."),
    "fips140_objects": attr.string_list(doc = "kbuild object paths (`crypto/aes.o`; a composite's parts) that fips140.ko carries: they are taken out of vmlinux.a before vmlinux is linked. Each must be built in (=y)."),
    "objtool_args": attr.string_list(doc = "objtool's arguments for module objects as kbuild gives them (x86_64 with CONFIG_X86_KERNEL_IBT: they end in `--link --module`); empty when objtool does not run on modules."),
    "source": attr.label(mandatory = True, allow_single_file = [".tar.xz", ".tar.gz", ".tar"], doc = "The kernel source tarball, e.g. Debian linux-source's `linux-source-7.2.tar.xz`."),
    "source_prefix": attr.string(doc = "The tarball's top directory, stripped when it is unpacked."),
    "_kbuild": attr.label(default = "//tools/kbuild", executable = True, cfg = "exec"),
}

def _outputs(ctx, arch, values):
    """The object-tree files the final link and module builds take, declared under name/."""
    srcarch = _SRCARCH[arch]
    rels = [
        ".config",
        ".vmlinux.unstripped.cmd",
        ".vmlinux.export.o",
        "vmlinux.symvers",
        "System.map",
        "arch/%s/kernel/vmlinux.lds" % srcarch,
        "init/version-timestamp.o",
        "scripts/kallsyms",
        "scripts/mksysmap",
        "scripts/module-common.c",
        "scripts/module.lds",
        "scripts/sorttable",
        "vmlinux",
        "vmlinux.o",
    ]
    if arch == "x86_64":
        rels.append("tools/objtool/objtool")
    if values.get("GENKSYMS") == "y":
        rels.append("scripts/genksyms/genksyms")
    return {rel: ctx.actions.declare_file("%s/%s" % (ctx.label.name, rel)) for rel in rels}

def _kernel_build_impl(ctx):
    toolchain = ctx.toolchains[_TOOLCHAIN].kernel
    if toolchain.compiler != "gcc":
        fail("%s: kernel_build builds with gcc only; the target platform's kernel toolchain is %s" % (ctx.label, toolchain.compiler))
    config = ctx.attr.config[KernelConfigInfo]
    if config.arch != toolchain.arch:
        fail("%s is an %s config, but the target platform's kernel toolchain builds for %s" % (config.file.short_path, config.arch, toolchain.arch))
    headers = ctx.actions.declare_directory(ctx.label.name + "/headers")
    outputs = _outputs(ctx, toolchain.arch, config.values)
    symversions = None
    if config.values.get("GENKSYMS") == "y":
        symversions = ctx.actions.declare_file(ctx.label.name + "/fips140_objects.symversions")
    emit_kbuild(
        ctx,
        toolchain = toolchain,
        source = ctx.file.source,
        source_prefix = ctx.attr.source_prefix,
        config = config.file,
        fips140_objects = ctx.attr.fips140_objects,
        cflags = ctx.attr.cflags,
        aflags = ctx.attr.aflags,
        objtool_args = ctx.attr.objtool_args,
        headers = headers,
        outputs = outputs,
        symversions = symversions,
    )

    def tree(flag):
        return flag.replace("@SRC@", headers.path + "/src").replace("@OBJ@", headers.path + "/obj")

    headers_info = kernel_headers_info(
        ctx,
        toolchain = toolchain,
        module_common_c = outputs["scripts/module-common.c"],
        aflags = [tree(f) for f in ctx.attr.aflags],
        arch = toolchain.arch,
        cflags = [tree(f) for f in ctx.attr.cflags],
        external_modules = False,
        genksyms = outputs.get("scripts/genksyms/genksyms"),
        hdrs = depset([headers]),
        module_lds = outputs["scripts/module.lds"],
        objtool = outputs.get("tools/objtool/objtool") if ctx.attr.objtool_args else None,
        objtool_args = ctx.attr.objtool_args,
        resolve_btfids = None,
        symvers = outputs["vmlinux.symvers"],
        symvers_complete = True,
    )
    return [
        DefaultInfo(files = depset([outputs["vmlinux"], headers_info.module_common_o])),
        headers_info,
        KernelBuildInfo(
            aflags = ctx.attr.aflags,
            arch = toolchain.arch,
            config = outputs[".config"],
            headers = headers,
            kallsyms = outputs["scripts/kallsyms"],
            link_cmd = outputs[".vmlinux.unstripped.cmd"],
            lds = outputs["arch/%s/kernel/vmlinux.lds" % _SRCARCH[toolchain.arch]],
            mksysmap = outputs["scripts/mksysmap"],
            objects = [outputs["vmlinux.o"], outputs[".vmlinux.export.o"], outputs["init/version-timestamp.o"]],
            sorttable = outputs["scripts/sorttable"],
        ),
        # symversions: kbuild's own CRCs of the fips140 objects' exports.
        OutputGroupInfo(
            kbuild = depset([headers] + outputs.values()),
            symversions = depset([symversions] if symversions else []),
        ),
    ]

kernel_build = rule(
    implementation = _kernel_build_impl,
    doc = """Builds a kernel from an unmodified source tarball with kbuild's own make, in one action.

The .config must already be resolved (`make olddefconfig` changes nothing but the
seed's `CONFIG_CRYPTO_FIPS140_*` options, which upstream Kconfig lacks). The objects
listed in `fips140_objects` are taken out of kbuild's vmlinux.a before vmlinux.o,
`.vmlinux.export.o`, vmlinux.symvers and kbuild's own vmlinux are made, so none of
them is also linked into the kernel (a built-in caller of one fails that link).
The build identity is fixed (`KBUILD_BUILD_TIMESTAMP`, `_USER`, `_HOST`, `_VERSION`).

It provides `KernelBuildInfo` for `vmlinux_with_fips140`'s final link and `KernelHeadersInfo` for modules built against this kernel: a tree
of its headers, kbuild's module compile flags (given in `cflags` and checked
against the ones kbuild uses for a probe module), `module.lds`, `.module-common.o`,
vmlinux.symvers (modpost reads it as Module.symvers) and, on x86_64 with objtool, its objtool. The output group `kbuild`
holds what the final link takes: vmlinux.o, `.vmlinux.export.o`,
`init/version-timestamp.o`, vmlinux.lds, scripts/kallsyms and sorttable.""",
    attrs = _ATTRS | LDWRAP_ATTRS,
    provides = [KernelBuildInfo, KernelHeadersInfo],
    toolchains = [_TOOLCHAIN],
)
