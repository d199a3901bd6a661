"""Emits the final link of one .ko (through ldwrap)."""

load(":actions/tools.bzl", "tool_args")

visibility("//rules/private/...")

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
    args = tool_args(ctx)
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
