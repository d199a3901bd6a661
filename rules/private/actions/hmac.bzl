"""Emits the HMAC-SHA256 of the fips140 module (tools/hmac)."""

load(":actions/tools.bzl", "tool_args")

visibility([
    "//rules/private/...",
    "//tests/btf/...",
])

def emit_hmac(ctx, *, config, min_key_length, module, out):
    """Signs the module: HMAC-SHA256 keyed with CONFIG_CRYPTO_FIPS140_HMAC_KEY from the .config.

    Args:
      ctx: the rule context.
      config: the .config File holding the HMAC key.
      min_key_length: the shortest key accepted (the kernel_config's).
      module: the fips140.ko File.
      out: the File to write.
    """
    args = tool_args(ctx)
    args.add("sign")
    args.add("--config", config)
    args.add("--min-key-len", str(min_key_length))
    args.add("--module", module)
    args.add("--out", out)
    ctx.actions.run(
        executable = ctx.executable._hmac,
        arguments = [args],
        inputs = [config, module],
        outputs = [out],
        mnemonic = "Fips140Hmac",
        progress_message = "Computing the HMAC of %{input}",
    )
