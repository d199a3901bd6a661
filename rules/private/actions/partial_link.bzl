"""Emits a partial link (`ld -r`, through ldwrap) of archives or objects."""

load(":actions/tools.bzl", "tool_args")

visibility("//rules/private/...")

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
    args = tool_args(ctx)
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
