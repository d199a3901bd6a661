"""Emits a modpost pass over module objects (tools/modpost)."""

load(":actions/tools.bzl", "tool_args")

visibility("//rules/private/...")

def emit_modpost(ctx, *, objects, symvers_in, symvers_out, mod_cs, crypto, external, strip_prefix, modversions = [], version_files = [], vmlinux_complete = False):
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
      modversions: modpost's MODVERSIONS flags for the kernel's config (`-m`, `-b`, `-x`), or none.
      version_files: with modversions, each object's `<obj>.mod` and the `.cmd` files it lists.
      vmlinux_complete: with crypto, symvers_in lists all of vmlinux's exports: unresolved symbols are errors.
    """
    args = tool_args(ctx)
    args.add("-M")
    if crypto:
        args.add("-c")

        # A symbol the kernel lacks fails here, not when the module loads.
        if vmlinux_complete:
            args.add("-vmlinux-complete")
    if external:
        args.add("-e")
    args.add_all(modversions)
    args.add_all(symvers_in, before_each = "-i")
    args.add("-o", symvers_out)
    args.add("-strip-prefix", strip_prefix)
    args.add_all(objects)
    ctx.actions.run(
        executable = ctx.executable._modpost,
        arguments = [args],
        inputs = objects + symvers_in + version_files,
        outputs = [symvers_out] + mod_cs,
        mnemonic = "KernelModpost",
        progress_message = "Checking %s with modpost%s" % (", ".join([o.basename for o in objects]), " -c" if crypto else ""),
    )
