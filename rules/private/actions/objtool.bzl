"""Emits the kernel's objtool run on a module object (through ldwrap), as kbuild does on x86_64."""

load(":actions/tools.bzl", "tool_args")

visibility("//rules/private/...")

def emit_objtool(ctx, *, headers, src, out):
    """Runs the kernel's objtool on a copy of a module object, as kbuild does on x86_64.

    Args:
      ctx: the rule context.
      headers: KernelHeadersInfo with objtool set.
      src: the object File.
      out: the File to write.
    """
    args = tool_args(ctx)
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
