"""Emitters for the Go helpers: one function, one ctx.actions.run each."""

# The helpers every rule that builds modules needs, exec-configured.
HELPER_ATTRS = {
    "_archiver": attr.label(default = "//tools/archiver", executable = True, cfg = "exec"),
    "_embed": attr.label(default = "//tools/embed", executable = True, cfg = "exec"),
    "_hmac": attr.label(default = "//tools/hmac", executable = True, cfg = "exec"),
    "_ldwrap": attr.label(default = "//tools/ldwrap", executable = True, cfg = "exec"),
    "_modpost": attr.label(default = "//tools/modpost", executable = True, cfg = "exec"),
}

def _args(ctx):
    args = ctx.actions.args()
    args.use_param_file("@%s", use_always = False)
    args.set_param_file_format("multiline")
    return args

def emit_archive(ctx, *, objects, out):
    """Collects objects, in link order, into a thin archive (`ar cDPrST`).

    Args:
      ctx: the rule context.
      objects: list of Files: the objects, in link order.
      out: the File to write.
    """
    args = _args(ctx)
    args.add("create")
    args.add("-format", "thin")
    args.add("-o", out)
    args.add_all(objects)
    ctx.actions.run(
        executable = ctx.executable._archiver,
        arguments = [args],
        inputs = objects,
        outputs = [out],
        mnemonic = "KernelArchive",
        progress_message = "Archiving %{output}",
    )

def emit_partial_link(ctx, *, toolchain, inputs, out, members = [], composite = False):
    """Links archives or objects into one relocatable, keeping the .fips_initcallN levels in order.

    members are the objects a thin archive in inputs refers to: action inputs,
    not arguments. composite links a composite module object (or any plain
    relocatable) with a plain `ld -r`, as kbuild does.

    Args:
      ctx: the rule context.
      toolchain: KernelToolchainInfo.
      inputs: list of Files: the archives or objects to link, in link order.
      out: the File to write.
      members: list of Files: objects a thin archive in inputs refers to (inputs, not arguments).
      composite: link with a plain `ld -r`, as kbuild links a composite object.
    """
    args = _args(ctx)
    args.add("partial-link")
    if composite:
        args.add("-composite")
    args.add("-ld", toolchain.ld)
    if toolchain.lld:
        args.add("-lld")
    args.add("-o", out)
    args.add_all(inputs)
    ctx.actions.run(
        executable = ctx.executable._ldwrap,
        arguments = [args],
        inputs = depset(inputs + members),
        tools = toolchain.tool_files,
        outputs = [out],
        mnemonic = "KernelPartialLink",
        progress_message = "Linking %{output}",
    )

def emit_objtool(ctx, *, headers, src, out):
    """Runs the kernel's objtool on a copy of a module object, as kbuild does on x86_64.

    Args:
      ctx: the rule context.
      headers: KernelHeadersInfo with objtool set.
      src: the object File.
      out: the File to write.
    """
    args = _args(ctx)
    args.add("objtool")
    args.add("-objtool", headers.objtool)
    args.add_all(headers.objtool_args, format_each = "-arg=%s")
    args.add("-o", out)
    args.add(src)
    ctx.actions.run(
        executable = ctx.executable._ldwrap,
        arguments = [args],
        inputs = [src],
        tools = [headers.objtool],
        outputs = [out],
        mnemonic = "KernelObjtool",
        progress_message = "Running objtool on %{output}",
    )

def before_objtool(ctx, *, headers, out):
    """The File an action that makes a module object should write.

    With a kernel objtool, that is a sibling `<stem>.pre-objtool.o`, and
    finish_objtool then writes out; without one, out itself.

    Args:
      ctx: the rule context.
      headers: KernelHeadersInfo.
      out: the declared module object File (linked, .mod.o or .module-common.o).

    Returns:
      The File to write.
    """
    if not headers.objtool:
        return out
    return ctx.actions.declare_file(out.basename[:-len(".o")] + ".pre-objtool.o", sibling = out)

def finish_objtool(ctx, *, headers, pre, out):
    """Runs objtool from pre into out, when before_objtool gave a separate File.

    Args:
      ctx: the rule context.
      headers: KernelHeadersInfo.
      pre: the File before_objtool returned.
      out: the module object File.
    """
    if pre != out:
        emit_objtool(ctx, headers = headers, src = pre, out = out)

def emit_gen_main(ctx, *, objects, initcalls, out):
    """Writes the fips140 main C file that calls the renamed parts in link order.

    Args:
      ctx: the rule context.
      objects: list of Files: the objects, in link order.
      initcalls: also run the seed's .fips_initcallN levels.
      out: the File to write.
    """
    args = _args(ctx)
    args.add("gen-main")
    if initcalls:
        args.add("-initcalls")
    args.add("-o", out)
    args.add_all(objects)
    ctx.actions.run(
        executable = ctx.executable._ldwrap,
        arguments = [args],
        inputs = objects,
        outputs = [out],
        mnemonic = "Fips140GenMain",
        progress_message = "Generating %{output}",
    )

def emit_modpost(ctx, *, objects, symvers_in, symvers_out, mod_cs, crypto, external, strip_prefix):
    """Runs modpost over module objects, writing each <obj>.mod.c and a Module.symvers.

    Args:
      ctx: the rule context.
      objects: list of Files: the objects, in link order.
      symvers_in: list of Files: Module.symvers files to read.
      symvers_out: the Module.symvers File to write.
      mod_cs: list of Files: the <obj>.mod.c each object gets, beside it.
      crypto: run in the seed's crypto mode (`-c`).
      external: the modules are external modules (`-e`).
      strip_prefix: the directory prefix to remove from object paths to name modules.
    """
    args = _args(ctx)
    args.add("-M")
    if crypto:
        args.add("-c")
    if external:
        args.add("-e")
    args.add_all(symvers_in, before_each = "-i")
    args.add("-o", symvers_out)
    args.add("-strip-prefix", strip_prefix)
    args.add_all(objects)
    ctx.actions.run(
        executable = ctx.executable._modpost,
        arguments = [args],
        inputs = objects + symvers_in,
        outputs = [symvers_out] + mod_cs,
        mnemonic = "KernelModpost",
        progress_message = "Checking %s with modpost%s" % (", ".join([o.basename for o in objects]), " -c" if crypto else ""),
    )

def emit_link_ko(ctx, *, toolchain, headers, obj, mod_o, out):
    """Links a .ko as Makefile.modfinal does: the object, its .mod.o and .module-common.o.

    Args:
      ctx: the rule context.
      toolchain: KernelToolchainInfo.
      headers: KernelHeadersInfo.
      obj: the module object File.
      mod_o: the compiled <obj>.mod.o File.
      out: the File to write.
    """
    args = _args(ctx)
    args.add("link-ko")
    args.add("-ld", toolchain.ld)
    if toolchain.lld:
        args.add("-lld")
    args.add("-module-lds", headers.module_lds)
    args.add("-o", out)
    args.add_all([obj, mod_o, headers.module_common_o])
    ctx.actions.run(
        executable = ctx.executable._ldwrap,
        arguments = [args],
        inputs = [obj, mod_o, headers.module_common_o, headers.module_lds],
        tools = toolchain.tool_files,
        outputs = [out],
        mnemonic = "KernelLinkModule",
        progress_message = "Linking %{output}",
    )

def emit_hmac(ctx, *, config, module, out):
    """Signs the module: HMAC-SHA256 keyed with CONFIG_CRYPTO_FIPS140_HMAC_KEY from the .config.

    Args:
      ctx: the rule context.
      config: the .config File holding the HMAC key.
      module: the fips140.ko File.
      out: the File to write.
    """
    args = _args(ctx)
    args.add("sign")
    args.add("--config", config)
    args.add("--module", module)
    args.add("--out", out)
    ctx.actions.run(
        executable = ctx.executable._hmac,
        arguments = [args],
        inputs = [config, module],
        outputs = [out],
        mnemonic = "Fips140Hmac",
        progress_message = "Computing the HMAC of %{input}",
    )

def emit_embed(ctx, *, arch, blob, name, section, out, prefix = "", check_module = ""):
    """Writes an object holding blob in section, like `ld -r -b binary` + objcopy --rename-section.

    Args:
      ctx: the rule context.
      arch: the kernel ARCH, `x86_64` or `arm64`.
      blob: the File to embed.
      name: the blob's name, which its `_binary_<name>_*` symbols are made from.
      section: the section to hold the blob.
      out: the File to write.
      prefix: a prefix for the blob's symbols.
      check_module: when set, the blob must be a module for arch with this name.
    """
    args = _args(ctx)
    args.add("-arch", arch)
    args.add("-in", blob)
    args.add("-name", name)
    args.add("-section", section)
    args.add("-align", "8")
    if prefix:
        args.add("-prefix", prefix)
    if check_module:
        args.add("-check-module", check_module)
    args.add("-out", out)
    ctx.actions.run(
        executable = ctx.executable._embed,
        arguments = [args],
        inputs = [blob],
        outputs = [out],
        mnemonic = "Fips140Embed",
        progress_message = "Embedding %{input}",
    )

def emit_link_vmlinux(ctx, *, toolchain, inputs, kernel_lds, ko_obj, hmac_obj, out, nonfips140_ko_obj = None, btf = False, btf_objects = {}):
    """Links vmlinux from its objects plus the embedded module and digest, placed after read-only data.

    With btf, the module BTF sections are placed too (empty, with their
    bounds, when btf_objects has no object for them: the seed's first link).

    Args:
      ctx: the rule context.
      toolchain: KernelToolchainInfo.
      inputs: list of Files: the archives or objects to link, in link order.
      kernel_lds: the kernel's vmlinux linker script File.
      ko_obj: the object embedding fips140.ko.
      hmac_obj: the object embedding the digest.
      out: the File to write.
      nonfips140_ko_obj: the object embedding the second, fresh module (DUAL_VERSION), or None.
      btf: place the module BTF sections (CONFIG_DEBUG_INFO_BTF_MODULES).
      btf_objects: dict of ldwrap flag (`fips140-btf`, `nonfips140-btf`) to the object holding that BTF.
    """
    args = _args(ctx)
    args.add("link-vmlinux")
    args.add("-ld", toolchain.ld)
    if toolchain.lld:
        args.add("-lld")
    args.add("-fips140-ko", ko_obj)
    args.add("-fips140-hmac", hmac_obj)
    extra = []
    if nonfips140_ko_obj:
        args.add("-dual")
        args.add("-nonfips140-ko", nonfips140_ko_obj)
        extra.append(nonfips140_ko_obj)
    if btf:
        args.add("-btf")
    for flag, obj in btf_objects.items():
        args.add("-" + flag, obj)
    args.add("-kernel-lds", kernel_lds)
    args.add("-o", out)
    args.add_all(inputs)
    ctx.actions.run(
        executable = ctx.executable._ldwrap,
        arguments = [args],
        inputs = inputs + [kernel_lds, ko_obj, hmac_obj] + extra + btf_objects.values(),
        tools = toolchain.tool_files,
        outputs = [out],
        mnemonic = "KernelLinkVmlinux",
        progress_message = "Linking %{output}",
    )
