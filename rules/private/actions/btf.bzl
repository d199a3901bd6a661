"""The seed's module BTF flow (CONFIG_DEBUG_INFO_BTF_MODULES) for vmlinux_with_fips140.

The seed's scripts/Makefile.vmlinux links vmlinux, makes the module's BTF
against it (pahole + resolve_btfids on a copy, `.BTF` dumped), embeds it as
`.fips140_btf`, relinks with it (FIPS140_BTF_RELINK), makes the BTF again
against the relinked vmlinux and says "Module BTF differs" when the two
differ. The module's bytes, which the HMAC covers, never change.
"""

load("//rules/private:embedded.bzl", "EMBEDDED")

visibility([
    "//rules/private/...",
    "//tests/btf/...",
])

BTF_ATTRS = {
    "_btfsplit": attr.label(default = "//tools/btfsplit", executable = True, cfg = "exec"),
}

def btf_module(name, ko, prefix = ""):
    """One module whose BTF vmlinux embeds.

    Args:
      name: `fips140` or `nonfips140`: the section is `.<name>_btf` and ldwrap's flag `-<name>-btf`.
      ko: the module File (never changed).
      prefix: the object's symbol prefix (`nonfips140_` for the nonfips140 module, as the seed's objcopy --prefix-symbols).

    Returns:
      A struct for emit_module_btf's modules.
    """
    flag = name + "-btf"
    if flag not in EMBEDDED:
        fail("btf_module: no embedded BTF section for %r" % name)
    return struct(name = name, ko = ko, section = EMBEDDED[flag].input_section, prefix = prefix, flag = flag)

def _args(ctx):
    args = ctx.actions.args()
    args.use_param_file("@%s", use_always = False)
    args.set_param_file_format("multiline")
    return args

def _tools(ctx, toolchain, resolve_btfids):
    if not toolchain.pahole or not resolve_btfids:
        fail("%s: CONFIG_DEBUG_INFO_BTF_MODULES=y needs pahole in the kernel toolchain (found: %s) and resolve_btfids in the module's kernel_headers (set: %s)" % (
            ctx.label,
            "yes" if toolchain.pahole else "no",
            "yes" if resolve_btfids else "no",
        ))
    return depset([resolve_btfids], transitive = [toolchain.tool_files])

def _tool_args(args, toolchain, resolve_btfids):
    args.add("-pahole", toolchain.pahole)
    args.add("-resolve-btfids", resolve_btfids)

def _emit_vmlinux_btf(ctx, *, toolchain, resolve_btfids, tools, elf, out):
    args = _args(ctx)
    args.add("vmlinux")
    _tool_args(args, toolchain, resolve_btfids)
    args.add("-elf", elf)
    args.add("-obj", out)
    ctx.actions.run(
        executable = ctx.executable._btfsplit,
        arguments = [args],
        inputs = [elf],
        tools = tools,
        outputs = [out],
        mnemonic = "VmlinuxBTF",
        progress_message = "Making the BTF of %{input}",
    )

def _emit_split(ctx, *, toolchain, resolve_btfids, tools, module, base, blob, obj):
    args = _args(ctx)
    args.add("split")
    _tool_args(args, toolchain, resolve_btfids)
    args.add("-module", module.ko)
    args.add("-base", base)
    args.add("-btf", blob)
    args.add("-obj", obj)
    args.add("-section", module.section)
    if module.prefix:
        args.add("-prefix", module.prefix)
    ctx.actions.run(
        executable = ctx.executable._btfsplit,
        arguments = [args],
        inputs = [module.ko, base],
        tools = tools,
        outputs = [blob, obj],
        mnemonic = "ModuleBTF",
        progress_message = "Making the BTF of %s against %s" % (module.ko.short_path, base.short_path),
    )

def emit_module_btf(ctx, *, toolchain, resolve_btfids, modules, link, out, strict, generate_vmlinux_btf):
    """Links vmlinux with its modules' BTF embedded, and checks the BTF after the relink.

    Each "vmlinux link" is one run of the kernel's link-vmlinux.sh: with
    generate_vmlinux_btf, a link without `.BTF`, vmlinux's own BTF made from
    it (gen-btf.sh), and the link with it; otherwise one link of objects
    that already carry `.BTF`. The flow is the seed's: a first vmlinux link,
    each module's BTF made against it (`btfsplit split`: `.<name>.ko.btf`
    and `<name>_btf.o`), the relink with those objects, and `btfsplit check`,
    which makes the BTF again against the relinked vmlinux, compares, and
    only then writes out: a difference is a warning ("Module BTF differs"),
    or with strict an error. So out cannot be had without the check.

    Args:
      ctx: the rule context (with BTF_ATTRS).
      toolchain: KernelToolchainInfo, whose pahole is used.
      resolve_btfids: the kernel's resolve_btfids File.
      modules: list of btf_module structs, fips140 first.
      link: function(out, btf_objects, extra): emits one vmlinux link of the
        rule's objects into File out, with the module BTF sections placed
        (ldwrap `-btf`), btf_objects a dict of ldwrap flag (`fips140-btf`) to
        object, and extra a list of further objects (vmlinux's `.BTF`).
      out: the final vmlinux File.
      strict: a difference after the relink fails the build.
      generate_vmlinux_btf: make vmlinux's own `.BTF` as link-vmlinux.sh does.

    Returns:
      struct(first = the first vmlinux, relinked = the relinked one,
      blobs = the modules' BTF Files, objects = their `.<name>_btf` objects,
      report = the check's report File).
    """
    tools = _tools(ctx, toolchain, resolve_btfids)

    def declare(path):
        return ctx.actions.declare_file(ctx.label.name + "/" + path)

    def link_vmlinux(stem, btf_objects):
        final = declare(stem)
        if not generate_vmlinux_btf:
            link(final, btf_objects, [])
            return final
        tmp = declare(".tmp_%s" % stem)
        link(tmp, btf_objects, [])
        vmlinux_btf = declare(".tmp_%s.btf.o" % stem)
        _emit_vmlinux_btf(ctx, toolchain = toolchain, resolve_btfids = resolve_btfids, tools = tools, elf = tmp, out = vmlinux_btf)
        link(final, btf_objects, [vmlinux_btf])
        return final

    first = link_vmlinux("vmlinux.first", {})
    blobs, objects = [], {}
    for m in modules:
        blob = declare("crypto/fips140/.%s.ko.btf" % m.name)
        obj = declare("crypto/fips140/%s_btf.o" % m.name)
        _emit_split(ctx, toolchain = toolchain, resolve_btfids = resolve_btfids, tools = tools, module = m, base = first, blob = blob, obj = obj)
        blobs.append(blob)
        objects[m.flag] = obj
    relinked = link_vmlinux("vmlinux.relinked", objects)

    report = declare("crypto/fips140/btf-relink-check.txt")
    args = _args(ctx)
    args.add("check")
    _tool_args(args, toolchain, resolve_btfids)
    args.add("-first-base", first)
    args.add("-base", relinked)
    args.add("-report", report)
    args.add("-o", out)
    if strict:
        args.add("-strict")
    for m, blob in zip(modules, blobs):
        args.add_all([m.name, m.ko, blob])
    ctx.actions.run(
        executable = ctx.executable._btfsplit,
        arguments = [args],
        inputs = [first, relinked] + [m.ko for m in modules] + blobs,
        tools = tools,
        outputs = [report, out],
        mnemonic = "ModuleBTFCheck",
        progress_message = "Checking the module BTF after relinking %s" % out.short_path,
    )
    return struct(first = first, relinked = relinked, blobs = blobs, objects = objects.values(), report = report)
