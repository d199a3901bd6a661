"""Emits fips140's generated main C file (ldwrap gen-main)."""

load(":actions/tools.bzl", "tool_args")

visibility("//rules/private/...")

def emit_gen_main(ctx, *, objects, initcalls, out):
    """Writes the fips140 main C file that calls the renamed parts in link order.

    Args:
      ctx: the rule context.
      objects: list of Files: the objects, in link order.
      initcalls: also run the seed's .fips_initcallN levels.
      out: the File to write.
    """
    args = tool_args(ctx)
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
