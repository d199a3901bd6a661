"""Emits genksyms' symbol versions of one object (tools/symversions), for CONFIG_MODVERSIONS."""

load(":actions/compile.bzl", "compile_flags")
load(":actions/tools.bzl", "tool_args")

visibility("//rules/private/...")

def emit_symversions(ctx, *, toolchain, headers, src, obj, out, kbuild_defines, defines, copts, copts_remove, hdrs, includes):
    """Writes `.<stem>.o.cmd` with the CRCs of obj's exports, as kbuild's gen_symversions appends them to its .cmd file.

    The preprocessor runs with the object's C flags (kbuild's c_flags, for a
    .S too); the other arguments are emit_compile's.

    Args:
      ctx: the rule context (with `_symversions`).
      toolchain: KernelToolchainInfo.
      headers: KernelHeadersInfo, with genksyms.
      src: the .c or .S File.
      obj: the compiled object File.
      out: the File to write, `.<stem>.o.cmd` beside obj.
      kbuild_defines: as emit_compile's.
      defines: as emit_compile's.
      copts: as emit_compile's.
      copts_remove: as emit_compile's.
      hdrs: as emit_compile's.
      includes: as emit_compile's.
    """
    args = tool_args(ctx)
    args.add("-object", obj)
    args.add("-source", src)
    args.add("-cc", toolchain.cc)
    args.add("-genksyms", headers.genksyms)
    args.add("-o", out)
    args.add("--")
    args.add_all(compile_flags(toolchain, headers, kbuild_defines, defines, copts, copts_remove, includes))
    ctx.actions.run(
        executable = ctx.executable._symversions,
        arguments = [args],
        inputs = depset([src, obj, headers.genksyms] + includes, transitive = [headers.hdrs, hdrs]),
        tools = toolchain.tool_files,
        outputs = [out],
        mnemonic = "KernelSymversions",
        progress_message = "Versioning the exports of %s for %%{label}" % obj.short_path,
    )
