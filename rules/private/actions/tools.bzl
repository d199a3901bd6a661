"""The Go helpers the actions run, as exec-configured rule attributes: each rule takes the ones it runs."""

visibility([
    "//rules/private/...",
    "//tests/btf/...",
])

ARCHIVER_ATTRS = {"_archiver": attr.label(default = "//tools/archiver", executable = True, cfg = "exec")}
EMBED_ATTRS = {"_embed": attr.label(default = "//tools/embed", executable = True, cfg = "exec")}
HMAC_ATTRS = {"_hmac": attr.label(default = "//tools/hmac", executable = True, cfg = "exec")}
LDWRAP_ATTRS = {"_ldwrap": attr.label(default = "//tools/ldwrap", executable = True, cfg = "exec")}
MODPOST_ATTRS = {"_modpost": attr.label(default = "//tools/modpost", executable = True, cfg = "exec")}
SYMVERSIONS_ATTRS = {"_symversions": attr.label(default = "//tools/symversions", executable = True, cfg = "exec")}

def tool_args(ctx):
    """A helper's Args: a params file (`@file`, one argument a line) when the line is long.

    Args:
      ctx: the rule context.

    Returns:
      An Args.
    """
    args = ctx.actions.args()
    args.use_param_file("@%s", use_always = False)
    args.set_param_file_format("multiline")
    return args
