"""Emits an object that holds a blob in a section (tools/embed), as `ld -r -b binary` + objcopy."""

load(":actions/tools.bzl", "tool_args")

visibility([
    "//rules/private/...",
    "//tests/btf/...",
])

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
    args = tool_args(ctx)
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
