"""The fips140_ko rule: the standalone FIPS 140 module and the `=m` crypto modules."""

load(":actions/archive.bzl", "emit_archive")
load(":actions/compile.bzl", "emit_compile", "module_defines")
load(":actions/gen_main.bzl", "emit_gen_main")
load(":actions/link_ko.bzl", "emit_link_ko")
load(":actions/modpost.bzl", "emit_modpost")
load(":actions/objtool.bzl", "before_objtool", "finish_objtool")
load(":actions/partial_link.bzl", "emit_partial_link")
load(":actions/tools.bzl", "ARCHIVER_ATTRS", "LDWRAP_ATTRS", "MODPOST_ATTRS")
load(":kernel_config.bzl", "modpost_modversions_flags")
load(":providers.bzl", "CryptoObjsInfo", "Fips140ModuleInfo", "KernelConfigInfo", "KernelHeadersInfo")

visibility("//rules/...")

_TOOLCHAIN = "//toolchains:kernel_toolchain_type"

_ATTRS = {
    "generate_main": attr.bool(default = True, doc = "Generate fips140's main file, which runs the parts' inits in link order (and the seed's initcall levels). Off: no main is generated, and one of the parts must define the module's init and exit itself (no test builds such a module: the seed's own fips140 main is kernel code this project does not carry)."),
    "kernel": attr.label(mandatory = True, providers = [KernelHeadersInfo], doc = "The kernel_headers to build against."),
    "kernel_config": attr.label(mandatory = True, providers = [KernelConfigInfo], doc = "The kernel_config; it must enable CRYPTO_FIPS140_EXTMOD."),
    "objs": attr.label_list(mandatory = True, providers = [CryptoObjsInfo], doc = "The crypto_objs targets in link order, which is initcall order."),
} | ARCHIVER_ATTRS | LDWRAP_ATTRS | MODPOST_ATTRS

def _link_module(ctx, *, toolchain, headers, dir, name, obj, mod_c):
    mod_o = ctx.actions.declare_file("%s/%s.mod.o" % (dir, name))
    pre = before_objtool(ctx, headers = headers, out = mod_o)
    emit_compile(ctx, toolchain = toolchain, headers = headers, src = mod_c, out = pre, kbuild_defines = module_defines(name + "_mod", name))
    finish_objtool(ctx, headers = headers, pre = pre, out = mod_o)
    ko = ctx.actions.declare_file("%s/%s.ko" % (dir, name))
    emit_link_ko(ctx, toolchain = toolchain, headers = headers, obj = obj, mod_o = mod_o, out = ko)
    return ko

def _version_files(ctx, *, obj, infos):
    """With MODVERSIONS: `<obj>.mod` beside obj, listing the parts whose `.cmd` files hold their CRCs; those files too."""
    objects = [o for i in infos for o in i.objects[:len(i.symversions)]]
    cmds = [c for i in infos for c in i.symversions]
    mod = ctx.actions.declare_file(obj.basename[:-len(".o")] + ".mod", sibling = obj)
    ctx.actions.write(mod, "".join([o.path + "\n" for o in objects]))
    return [mod] + cmds

def _fips140_ko_impl(ctx):
    toolchain = ctx.toolchains[_TOOLCHAIN].kernel
    headers = ctx.attr.kernel[KernelHeadersInfo]
    config = ctx.attr.kernel_config[KernelConfigInfo]
    if not config.extmod:
        fail("%s does not enable CONFIG_CRYPTO_FIPS140_EXTMOD, so it builds no fips140 module" % config.file.short_path)
    infos = [t[CryptoObjsInfo] for t in ctx.attr.objs]
    parts = [i for i in infos if i.mode == "fips140"]
    if not parts:
        fail("no crypto_objs is =y in %s, so fips140 would be empty" % config.file.short_path)
    top = ctx.label.name
    fips_dir = top + "/crypto/fips140"
    objects = [o for i in parts for o in i.objects]

    generated = []
    if ctx.attr.generate_main:
        main_c = ctx.actions.declare_file(fips_dir + "/fips140-main.c")
        generated.append(main_c)
        emit_gen_main(
            ctx,
            objects = [o for i in parts if i.init_style == "upstream" for o in i.objects],
            initcalls = any([i.init_style == "initcalls" for i in parts]),
            out = main_c,
        )
        main_o = ctx.actions.declare_file(fips_dir + "/fips140-main.o")
        emit_compile(ctx, toolchain = toolchain, headers = headers, src = main_c, out = main_o, kbuild_defines = module_defines("fips140_main", "fips140"), defines = ["FIPS_MODULE=1"])
        objects.append(main_o)

    archive = ctx.actions.declare_file(fips_dir + "/crypto-module.a")
    emit_archive(ctx, objects = objects, out = archive)
    fips140_o = ctx.actions.declare_file(fips_dir + "/fips140.o")
    pre = before_objtool(ctx, headers = headers, out = fips140_o)
    emit_partial_link(ctx, toolchain = toolchain, inputs = [archive], members = objects, out = pre)
    finish_objtool(ctx, headers = headers, pre = pre, out = fips140_o)

    strip_prefix = "%s/%s/" % (ctx.bin_dir.path, "/".join([p for p in [ctx.label.workspace_root, ctx.label.package, top] if p]))
    vmlinux_symvers = [headers.symvers] if headers.symvers else []
    symvers = ctx.actions.declare_file(fips_dir + "/.fips140.symvers")
    fips140_mod_c = ctx.actions.declare_file(fips_dir + "/fips140.mod.c")
    modversions = modpost_modversions_flags(config.values)
    fips140_version_files = _version_files(ctx, obj = fips140_o, infos = parts) if modversions else []
    emit_modpost(ctx, objects = [fips140_o], symvers_in = vmlinux_symvers, symvers_out = symvers, mod_cs = [fips140_mod_c], crypto = True, external = headers.external_modules, strip_prefix = strip_prefix, modversions = modversions, version_files = fips140_version_files, vmlinux_complete = headers.symvers_complete)
    ko = _link_module(ctx, toolchain = toolchain, headers = headers, dir = fips_dir, name = "fips140", obj = fips140_o, mod_c = fips140_mod_c)

    # What the seed's crypto/fips140/Makefile writes: the one module that
    # its fips140 modpost pass reads (-T), fips140 itself.
    order = ctx.actions.declare_file(fips_dir + "/.fips140.order")
    ctx.actions.write(order, "crypto/fips140/fips140.o\n")

    # The =m crypto modules: a second, normal modpost pass that also knows
    # fips140's exports, as kbuild's main modpost runs after the fips140 one.
    mods = [i for i in infos if i.mode == "module"]
    crypto_modules = []
    mod_objs = []
    if mods:
        mod_cs, version_files = [], []
        for i in mods:
            obj = ctx.actions.declare_file("%s/crypto/%s.o" % (top, i.name))
            pre = before_objtool(ctx, headers = headers, out = obj)
            emit_partial_link(ctx, toolchain = toolchain, inputs = i.objects, out = pre, composite = True)
            finish_objtool(ctx, headers = headers, pre = pre, out = obj)
            mod_objs.append(obj)
            if modversions:
                version_files += _version_files(ctx, obj = obj, infos = [i])
            mod_cs.append(ctx.actions.declare_file("%s/crypto/%s.mod.c" % (top, i.name)))
        module_symvers = ctx.actions.declare_file(top + "/Module.symvers")
        emit_modpost(ctx, objects = mod_objs, symvers_in = vmlinux_symvers + [symvers], symvers_out = module_symvers, mod_cs = mod_cs, crypto = False, external = headers.external_modules, strip_prefix = strip_prefix, modversions = modversions, version_files = version_files)
        for i, obj, mod_c in zip(mods, mod_objs, mod_cs):
            crypto_modules.append(_link_module(ctx, toolchain = toolchain, headers = headers, dir = top + "/crypto", name = i.name, obj = obj, mod_c = mod_c))

    return [
        DefaultInfo(files = depset([ko, symvers, order] + crypto_modules)),
        # What fips140.o is linked from, for inspection: the thin archive in
        # link order, its members, and the generated main.
        # module_objects: the linked module objects modpost reads, for
        # comparing with another modpost; ko: fips140.ko alone; symversions:
        # with MODVERSIONS, fips140's .mod and its parts' .cmd files.
        OutputGroupInfo(
            crypto_modules = depset(crypto_modules),
            ko = depset([ko]),
            symversions = depset(fips140_version_files),
            link_inputs = depset([archive, fips140_o] + objects + generated),
            module_objects = depset([fips140_o] + mod_objs),
        ),
        Fips140ModuleInfo(arch = toolchain.arch, crypto_modules = crypto_modules, kernel = headers, ko = ko, order = order, symvers = symvers),
    ]

fips140_ko = rule(
    implementation = _fips140_ko_impl,
    doc = """Builds `crypto/fips140/fips140.ko` from the `=y` crypto_objs, as the seed's kbuild does:
a thin archive in link order, a partial link that keeps the `.fips_initcallN` levels
(`fips140.lds`), modpost `-c` (writing `.fips140.symvers`), the `.mod.c` compile and the
`.ko` link with the kernel's module.lds. When the kernel has objtool (x86_64), it runs on
each linked module object, `.mod.o` and `.module-common.o`, as kbuild does. The `=m` crypto_objs become their own marked
`crypto/<name>.ko` files. Unmodified upstream parts are called by a generated main.""",
    attrs = _ATTRS,
    provides = [Fips140ModuleInfo],
    toolchains = [_TOOLCHAIN],
)
