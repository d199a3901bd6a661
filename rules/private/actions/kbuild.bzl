"""Emits the kernel build: kbuild's make on the unmodified source tarball."""

visibility("//rules/private/...")

def emit_kbuild(ctx, *, toolchain, source, source_prefix, config, fips140_objects, cflags, aflags, objtool_args, headers, outputs, symversions = None):
    """Builds the kernel without fips140's objects, records its module flags, copies out its files.

    Args:
      ctx: the rule context.
      toolchain: KernelToolchainInfo (gcc).
      source: the kernel source tarball File.
      source_prefix: the tarball's top directory.
      config: the resolved .config File.
      fips140_objects: kbuild object paths kept out of vmlinux.
      cflags: expected module C flags (@SRC@, @OBJ@ placeholders).
      aflags: expected module assembler flags.
      objtool_args: expected objtool arguments for modules.
      headers: the declared directory for the module headers.
      outputs: dict of object-tree path to the declared File.
      symversions: the File for the #SYMVER lines kbuild's genksyms gave fips140_objects, or None.
    """
    args = ctx.actions.args()
    args.use_param_file("@%s", use_always = True)
    args.set_param_file_format("multiline")
    args.add("-source", source)
    if source_prefix:
        args.add("-source-prefix", source_prefix)
    args.add("-config", config)
    args.add("-arch", toolchain.arch)
    args.add("-cc", toolchain.cc)
    args.add("-ld", toolchain.ld)
    args.add("-cross-compile", toolchain.target_triple + "-")
    if toolchain.make:
        args.add("-make", toolchain.make)
    args.add_all(fips140_objects, format_each = "-fips140-object=%s")
    args.add_all(cflags, format_each = "-cflag=%s")
    args.add_all(aflags, format_each = "-aflag=%s")
    args.add_all(objtool_args, format_each = "-objtool-arg=%s")
    args.add("-headers", headers.path)
    for rel, f in sorted(outputs.items()):
        args.add("-out", "%s=%s" % (rel, f.path))
    args.add("-work", headers.path + ".work")
    if symversions:
        args.add("-symversions", symversions)
    ctx.actions.run(
        executable = ctx.executable._kbuild,
        arguments = [args],
        inputs = [source, config],
        tools = depset(transitive = [toolchain.tool_files, toolchain.build_files]),
        outputs = [headers] + outputs.values() + ([symversions] if symversions else []),
        mnemonic = "KernelBuild",
        progress_message = "Building the kernel %{label} with kbuild",
        # Without the toolchain's make, make, tar and kbuild's host tools
        # come from the strict action environment's PATH (--action_env=PATH
        # in .bazelrc); with it, PATH is its directory alone.
        use_default_shell_env = not toolchain.make,
    )
