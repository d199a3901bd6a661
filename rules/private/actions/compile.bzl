"""Emits a kernel C/assembler compile."""

visibility("//rules/private/...")

# Reproducible debug info: the compiler records its working directory
# (DW_AT_comp_dir), an absolute path that differs with the output base and
# with each sandbox. gcc and clang take $PWD for it when $PWD names the
# working directory, as /proc/self/cwd always does; the prefix map then
# records it as ".". (gcc has no -fdebug-compilation-dir.)
_PWD = "/proc/self/cwd"
REPRODUCIBLE_COPTS = ["-ffile-prefix-map=%s=." % _PWD]

def _name_fix(name):
    """kbuild's name-fix: a C identifier from an object or module name (`-` and `,` become `_`)."""
    return name.replace("-", "_").replace(",", "_")

def module_defines(basename, modname, module = True):
    """The defines kbuild gives one object of a module or of vmlinux.

    Args:
      basename: the object's stem (KBUILD_BASENAME).
      modname: the module it belongs to (KBUILD_MODNAME).
      module: whether it is compiled as part of a module (-DMODULE).

    Returns:
      A list of NAME=VALUE strings for -D.
    """
    defines = [
        'KBUILD_BASENAME="%s"' % _name_fix(basename),
        'KBUILD_MODNAME="%s"' % _name_fix(modname),
        "__KBUILD_MODNAME=%s" % _name_fix(modname),
    ]
    if module:
        defines.insert(0, "MODULE")
    else:
        defines.append('KBUILD_MODFILE="crypto/%s"' % modname)
    return defines

def _asm_kbuild_defines(kbuild_defines):
    """kbuild's defines for a .S object: no KBUILD_BASENAME, KBUILD_MODFILE before the module names (a_flags)."""
    modfile = [d for d in kbuild_defines if d.startswith("KBUILD_MODFILE=")]
    rest = [d for d in kbuild_defines if not d.startswith("KBUILD_BASENAME=") and d not in modfile]
    if "MODULE" in rest:
        rest.remove("MODULE")
        return ["MODULE"] + modfile + rest
    return modfile + rest

def compile_flags(toolchain, headers, kbuild_defines, defines, copts, copts_remove, includes, asm = False):
    """An object's compile flags in kbuild's order (c_flags, or a_flags with asm), without -c and -o.

    Args:
      toolchain: KernelToolchainInfo.
      headers: KernelHeadersInfo.
      kbuild_defines: as emit_compile's.
      defines: as emit_compile's (left out with asm).
      copts: as emit_compile's (AFLAGS_obj.o with asm).
      copts_remove: as emit_compile's.
      includes: list of Files for -include (left out with asm).
      asm: give a_flags, for a .S object.

    Returns:
      A list of strings.
    """
    kernel_flags = headers.cflags
    if asm:
        kernel_flags, defines, includes = headers.aflags, [], []
        kbuild_defines = _asm_kbuild_defines(kbuild_defines)
    flags = [f for f in toolchain.cc_flags if f not in copts_remove]
    flags += [f for f in kernel_flags if f not in copts_remove]

    # KBUILD_CFLAGS (with the seed's additions), CFLAGS_obj.o, then -DMODULE
    # and the KBUILD_* names.
    flags += ["-D" + d for d in defines]
    for f in includes:
        flags += ["-include", f.path]
    flags += copts
    flags += ["-D" + d for d in kbuild_defines]
    return flags

def emit_compile(ctx, *, toolchain, headers, src, out, kbuild_defines, defines = [], copts = [], copts_remove = [], hdrs = depset(), includes = []):
    """Compiles one source into an object with the kernel's flags.

    A `.S` source gets the kernel's assembler flags (kbuild's a_flags): the
    headers' aflags, copts as its AFLAGS_obj.o, -DMODULE and the module
    names, but not the seed's defines (which it adds to KBUILD_CFLAGS
    only), includes or KBUILD_BASENAME.

    Args:
      ctx: the rule context.
      toolchain: KernelToolchainInfo.
      headers: KernelHeadersInfo.
      src: the .c or .S File.
      out: the object File to write.
      kbuild_defines: what kbuild adds after an object's own flags
        (module_defines: -DMODULE, KBUILD_BASENAME, KBUILD_MODNAME).
      defines: NAME[=VALUE] strings the seed adds to KBUILD_CFLAGS
        (FIPS_MODULE, FIPS140_CRYPTO_OBJS_M): after the kernel's flags,
        before the object's own.
      copts: the object's own flags (CFLAGS_obj.o), after the kernel's.
      copts_remove: flags dropped from the toolchain's and the kernel's
        (CFLAGS_REMOVE_obj.o).
      hdrs: depset of the object's own headers.
      includes: list of Files passed with -include.
    """
    asm = src.extension == "S"
    if asm:
        if not headers.aflags:
            fail("%s is assembler, but the kernel it builds against gives no assembler flags (kernel_build's or kernel_headers' aflags)" % src.short_path)
        includes = []  # compile_flags leaves them out; so do the inputs
    args = ctx.actions.args()
    args.add_all(compile_flags(toolchain, headers, kbuild_defines, defines, copts, copts_remove, includes, asm = asm))
    args.add_all(REPRODUCIBLE_COPTS)
    args.add("-c", src)
    args.add("-o", out)
    ctx.actions.run(
        executable = toolchain.cc,
        arguments = [args],
        inputs = depset([src] + includes, transitive = [headers.hdrs, hdrs]),
        tools = toolchain.tool_files,
        outputs = [out],
        env = {"PWD": _PWD},
        mnemonic = "KernelCompile",
        progress_message = "Compiling %s for %%{label}" % src.short_path,
    )
