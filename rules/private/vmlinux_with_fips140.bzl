"""The vmlinux_with_fips140 rule: vmlinux carrying fips140.ko and its HMAC."""

load(":actions/btf.bzl", "BTF_ATTRS", "btf_module", "emit_module_btf")
load(":actions/embed.bzl", "emit_embed")
load(":actions/hmac.bzl", "emit_hmac")
load(":actions/link_kernel.bzl", "emit_link_kernel")
load(":actions/link_vmlinux.bzl", "emit_link_vmlinux")
load(":actions/tools.bzl", "EMBED_ATTRS", "HMAC_ATTRS", "LDWRAP_ATTRS")
load(":embedded.bzl", "EMBEDDED")
load(":provenance.bzl", "PROVENANCE_ATTRS", "emit_provenance", "provenance_aspect")
load(":providers.bzl", "Fips140ModuleInfo", "KernelBuildInfo", "KernelConfigInfo")

visibility("//rules/...")

_TOOLCHAIN = "//toolchains:kernel_toolchain_type"

# Where the seed's fips140_build/ holds the certified module.
_PREBUILT_KO = "crypto/fips140/fips140.ko"

_ATTRS = {
    "generate_vmlinux_btf": attr.bool(doc = "With CONFIG_DEBUG_INFO_BTF_MODULES=y: make vmlinux's own `.BTF` as the kernel's link-vmlinux.sh does, which module BTF is made against. Each vmlinux link is then preceded by one without `.BTF`, whose BTF (pahole and resolve_btfids, as gen-btf.sh runs them) is linked in; srcs need DWARF (-g). Without it, srcs must already carry vmlinux's `.BTF` (e.g. the kernel build's `.tmp_vmlinux1.btf.o`)."),
    "kernel": attr.label(providers = [KernelBuildInfo], aspects = [provenance_aspect], doc = "A kernel_build: vmlinux is then linked from its objects as Linux 7.2's link-vmlinux.sh does (kallsyms passes, System.map, sorttable, the strip of vmlinux.unstripped), with the FIPS 140 sections placed in its vmlinux.lds right where the seed's vmlinux.lds.S puts them (before `.data` on x86_64, `.got` on arm64). Instead of `srcs` and `lds`."),
    "kernel_config": attr.label(mandatory = True, providers = [KernelConfigInfo], doc = "The kernel_config holding CONFIG_CRYPTO_FIPS140_HMAC_KEY (and EXTMOD_SOURCE, DUAL_VERSION, DEBUG_INFO_BTF_MODULES)."),
    "lds": attr.label(allow_single_file = True, doc = "The kernel's own vmlinux linker script; it is not edited: the FIPS 140 sections are inserted after its read-only data. With `srcs`."),
    "module": attr.label(mandatory = True, providers = [Fips140ModuleInfo], aspects = [provenance_aspect], doc = "The fips140_ko built from source. With EXTMOD_SOURCE it is still built; with DUAL_VERSION it is embedded as the nonfips140 module."),
    "prebuilt": attr.label_list(allow_files = [".ko"], doc = "With CONFIG_CRYPTO_FIPS140_EXTMOD_SOURCE: the seed's `fips140_build/`, a certified `crypto/fips140/fips140.ko` and any prebuilt `=m` modules (`crypto/<name>.ko`). The prebuilt fips140.ko is embedded and HMAC'd instead of `module`'s, and prebuilt `=m` modules replace the fresh ones of the same name."),
    "srcs": attr.label_list(allow_files = [".o", ".a"], aspects = [provenance_aspect], doc = "vmlinux's objects: a vmlinux.o-like relocatable (and any archives), in link order. With `lds`; or give `kernel` instead."),
    "strict_btf": attr.bool(doc = "With CONFIG_DEBUG_INFO_BTF_MODULES=y: fail the build when the module BTF made against the relinked vmlinux differs from the BTF it embeds. By default that is a warning, as the seed prints \"Module BTF differs\"."),
} | EMBED_ATTRS | HMAC_ATTRS | LDWRAP_ATTRS | BTF_ATTRS | PROVENANCE_ATTRS

def _prebuilt(ctx, config):
    """Returns the prebuilt fips140.ko (or None) and the prebuilt =m modules by basename."""
    config_name = config.file.short_path
    if not config.extmod_source:
        if ctx.files.prebuilt:
            fail("prebuilt is set, but %s does not set CONFIG_CRYPTO_FIPS140_EXTMOD_SOURCE, so it would not be used" % config_name)
        return None, {}
    if not ctx.files.prebuilt:
        fail("%s sets CONFIG_CRYPTO_FIPS140_EXTMOD_SOURCE, so prebuilt must give the certified %s" % (config_name, _PREBUILT_KO))
    files = [f for f in ctx.files.prebuilt if f.extension == "ko"]
    kos = [f for f in files if f.short_path.endswith("/" + _PREBUILT_KO)]
    if len(kos) != 1:
        fail("prebuilt must hold exactly one %s; it holds %d: %s" % (_PREBUILT_KO, len(kos), [f.short_path for f in ctx.files.prebuilt]))
    mods = {f.basename: f for f in files if f != kos[0] and f.short_path.endswith("/crypto/" + f.basename)}
    return kos[0], mods

def _vmlinux_with_fips140_impl(ctx):
    toolchain = ctx.toolchains[_TOOLCHAIN].kernel
    module = ctx.attr.module[Fips140ModuleInfo]
    config = ctx.attr.kernel_config[KernelConfigInfo]
    if module.arch != toolchain.arch:
        fail("the fips140 module is for %s, but the target platform's kernel toolchain builds for %s" % (module.arch, toolchain.arch))
    prebuilt_ko, prebuilt_mods = _prebuilt(ctx, config)
    certified = prebuilt_ko or module.ko
    name = ctx.label.name
    arch = toolchain.arch

    hmac = ctx.actions.declare_file(name + "/crypto/fips140/.fips140.hmac")
    emit_hmac(ctx, config = config.file, min_key_length = config.min_key_length, module = certified, out = hmac)

    # The blobs' own _binary_* symbols must not clash with the bounds that the
    # placement script defines, so they are named after "...-blob". A
    # prebuilt module is checked to be fips140 for this architecture.
    ko_obj = ctx.actions.declare_file(name + "/crypto/fips140/fips140-embedded.o")
    emit_embed(ctx, arch = arch, blob = certified, name = "fips140-ko-blob", section = EMBEDDED["fips140-ko"].input_section, out = ko_obj, check_module = "fips140" if prebuilt_ko else "")
    hmac_obj = ctx.actions.declare_file(name + "/crypto/fips140/fips140-digest.o")
    emit_embed(ctx, arch = arch, blob = hmac, name = "fips140-hmac-blob", section = EMBEDDED["fips140-hmac"].input_section, out = hmac_obj)
    nonfips140_obj = None
    if config.dual_version:
        nonfips140_obj = ctx.actions.declare_file(name + "/crypto/fips140/nonfips140-embedded.o")
        emit_embed(ctx, arch = arch, blob = module.ko, name = "ko-blob", prefix = "nonfips140_", section = EMBEDDED["nonfips140-ko"].input_section, out = nonfips140_obj)

    vmlinux = ctx.actions.declare_file(name + "/vmlinux")
    btf_outputs = []
    kernel_outputs = []
    image = None
    srcs = ctx.files.srcs
    if ctx.attr.kernel:
        if ctx.files.srcs or ctx.file.lds:
            fail("%s: give either kernel or srcs and lds, not both" % ctx.label)
        kernel = ctx.attr.kernel[KernelBuildInfo]
        if kernel.arch != arch:
            fail("%s: the kernel is built for %s, but the target platform's kernel toolchain links for %s" % (ctx.label, kernel.arch, arch))
        if config.values.get("DEBUG_INFO_BTF_MODULES") == "y":
            fail("%s: module BTF (CONFIG_DEBUG_INFO_BTF_MODULES) is not supported with a kernel_build yet" % ctx.label)
        srcs = kernel.objects
        embedded = {"fips140-hmac": hmac_obj, "fips140-ko": ko_obj}
        if nonfips140_obj:
            embedded["nonfips140-ko"] = nonfips140_obj
        kernel_outputs = [ctx.actions.declare_file(name + "/" + f) for f in ["vmlinux.unstripped", "System.map"]]
        image = ctx.actions.declare_file(name + "/Image") if arch == "arm64" else None
        emit_link_kernel(ctx, toolchain = toolchain, kernel = kernel, embedded = embedded, out = vmlinux, unstripped = kernel_outputs[0], system_map = kernel_outputs[1], image = image)
        kernel_outputs += [image] if image else []
    elif not ctx.files.srcs or not ctx.file.lds:
        fail("%s: give srcs and lds (the kernel's objects and linker script), or kernel (a kernel_build)" % ctx.label)
    elif config.values.get("DEBUG_INFO_BTF_MODULES") == "y":
        # The seed's flow: link, module BTF against it, relink with it, check.
        def link(out, btf_objects, extra):
            emit_link_vmlinux(ctx, toolchain = toolchain, inputs = ctx.files.srcs + extra, kernel_lds = ctx.file.lds, ko_obj = ko_obj, hmac_obj = hmac_obj, nonfips140_ko_obj = nonfips140_obj, out = out, btf = True, btf_objects = btf_objects)

        modules = [btf_module("fips140", certified)]
        if config.dual_version:
            modules.append(btf_module("nonfips140", module.ko, prefix = "nonfips140_"))
        btf = emit_module_btf(
            ctx,
            toolchain = toolchain,
            resolve_btfids = module.kernel.resolve_btfids,
            modules = modules,
            link = link,
            out = vmlinux,
            strict = ctx.attr.strict_btf,
            generate_vmlinux_btf = ctx.attr.generate_vmlinux_btf,
        )
        btf_outputs = [btf.report, btf.first] + btf.blobs
    elif ctx.attr.strict_btf or ctx.attr.generate_vmlinux_btf:
        fail("%s: strict_btf and generate_vmlinux_btf apply only with CONFIG_DEBUG_INFO_BTF_MODULES=y, which %s does not set" % (ctx.label, ctx.attr.kernel_config.label))
    else:
        emit_link_vmlinux(ctx, toolchain = toolchain, inputs = ctx.files.srcs, kernel_lds = ctx.file.lds, ko_obj = ko_obj, hmac_obj = hmac_obj, nonfips140_ko_obj = nonfips140_obj, out = vmlinux)

    # What a kernel package ships beside vmlinux: the embedded module, its
    # digest and the =m crypto modules (prebuilt ones where given). btf:
    # the relink check's report, the first vmlinux link and the module BTF
    # it embeds.
    packaged = [prebuilt_mods.get(m.basename, m) for m in module.crypto_modules]

    # The build's record, beside the digest: outputs, inputs, tools, versions.
    provenance = ctx.actions.declare_file(name + "/crypto/fips140/fips140.provenance.json")
    subjects = [("vmlinux", vmlinux), ("fips140.ko", certified), ("fips140.hmac", hmac)] + [("crypto_module", m) for m in packaged]
    if config.dual_version:
        subjects.append(("nonfips140.ko", module.ko))
    elif prebuilt_ko:
        subjects.append(("built.fips140.ko", module.ko))
    module_groups = ctx.attr.module[OutputGroupInfo]
    emit_provenance(
        ctx,
        toolchain = toolchain,
        config = config,
        subjects = subjects,
        objects = depset(srcs + [ko_obj, hmac_obj] + ([nonfips140_obj] if nonfips140_obj else []), transitive = [module_groups.link_inputs, module_groups.module_objects]),
        byproducts = [module.symvers, module.order] + btf_outputs[:1],
        out = provenance,
    )
    return [
        DefaultInfo(files = depset([vmlinux])),
        OutputGroupInfo(
            btf = depset(btf_outputs),
            kernel = depset(kernel_outputs),
            # What qemu boots: the ELF vmlinux (x86_64, through PVH) or arm64's Image.
            image = depset([image or vmlinux]),
            fips140 = depset([certified, hmac, provenance] + packaged + ([module.ko] if prebuilt_ko else [])),
            provenance = depset([provenance]),
        ),
    ]

vmlinux_with_fips140 = rule(
    implementation = _vmlinux_with_fips140_impl,
    doc = """Links vmlinux with fips140.ko embedded: computes the module's HMAC-SHA256 with the
config's key, embeds module and digest as `.fips140_module_data` and `.fips140_digest`
(bounded by `_binary_fips140_ko_start/_end` and `_binary_fips140_hmac_start/_end`), and
places them after the read-only data of the kernel's own linker script, which it does
not edit.

With CONFIG_CRYPTO_FIPS140_EXTMOD_SOURCE, the `prebuilt` certified module is embedded
and HMAC'd instead of the fresh one (which is still built). With
CONFIG_CRYPTO_FIPS140_DUAL_VERSION, the fresh module is embedded too, as
`.nonfips140_module_data` between `_binary_nonfips140_ko_start/_end`, for non-FIPS boots.

With CONFIG_DEBUG_INFO_BTF_MODULES=y it follows the seed's relink: vmlinux is linked
once, the module's BTF is made against it (pahole and the kernel's resolve_btfids on a
copy of the module, whose bytes never change) and embedded as `.fips140_btf` (bounded by
`__start_fips140_btf/__stop_fips140_btf`; `.nonfips140_btf` too in dual mode), vmlinux
is relinked, and the BTF made again against the relinked vmlinux must equal the embedded
one: a warning when it does not, an error with `strict_btf`. The output group `btf`
holds the check's report.

Beside the digest it writes `crypto/fips140/fips140.provenance.json` (output groups
`provenance` and `fips140`): an in-toto Statement v1 with an SLSA provenance v1
predicate. Its subjects are vmlinux, the embedded fips140.ko, `.fips140.hmac`, the `=m`
modules (and nonfips140.ko or the fresh module), each with a `role` annotation; its
resolvedDependencies the sha256 of every source, header set, object and tool binary;
its internalParameters the .config's sha256, FIPS options, and the HMAC key's length
and sha256 (never the key); its builder the versions of Bazel, rules_go, gazelle and
the compilers and the build root's packages. `fips140 verify --provenance` checks a
vmlinux against it.""",
    attrs = _ATTRS,
    toolchains = [_TOOLCHAIN],
)
