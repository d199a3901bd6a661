"""Emits the thin archive of a module's objects (tools/archiver)."""

load(":actions/tools.bzl", "tool_args")

visibility("//rules/private/...")

def emit_archive(ctx, *, objects, out):
    """Collects objects, in link order, into a thin archive (`ar cDPrST`).

    Args:
      ctx: the rule context.
      objects: list of Files: the objects, in link order.
      out: the File to write.
    """
    args = tool_args(ctx)
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
