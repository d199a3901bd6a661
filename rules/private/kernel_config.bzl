"""The kernel_config rule: a .config's values, with the FIPS 140 options checked."""

load(":providers.bzl", "KernelConfigInfo")

visibility("//rules/...")

def _is_y(values, symbol):
    return values.get(symbol, "n") == "y"

def fips140_config_error(values, min_key_length):
    """Checks the FIPS 140 options of a config.

    Args:
      values: dict of symbol (without CONFIG_) to value.
      min_key_length: the shortest HMAC key accepted.

    Returns:
      One sentence saying what is wrong, or None.
    """
    extmod = _is_y(values, "CRYPTO_FIPS140_EXTMOD")
    if _is_y(values, "CRYPTO_FIPS140_DUAL_VERSION") and not _is_y(values, "CRYPTO_FIPS140_EXTMOD_SOURCE"):
        return "CONFIG_CRYPTO_FIPS140_DUAL_VERSION=y needs CONFIG_CRYPTO_FIPS140_EXTMOD_SOURCE=y (the prebuilt module it embeds beside the fresh one)."
    if _is_y(values, "CRYPTO_FIPS140_EXTMOD_SOURCE") and not extmod:
        return "CONFIG_CRYPTO_FIPS140_EXTMOD_SOURCE=y needs CONFIG_CRYPTO_FIPS140_EXTMOD=y."
    if not extmod:
        return None
    if not (_is_y(values, "X86_64") or _is_y(values, "ARM64")):
        return "CONFIG_CRYPTO_FIPS140_EXTMOD=y needs an x86_64 or arm64 kernel, and this config sets neither CONFIG_X86_64 nor CONFIG_ARM64."
    if not _is_y(values, "MODULES"):
        return "CONFIG_CRYPTO_FIPS140_EXTMOD=y needs CONFIG_MODULES=y, because fips140 is a loadable module."
    key = values.get("CRYPTO_FIPS140_HMAC_KEY")
    if key == None or key == "n":
        return "CONFIG_CRYPTO_FIPS140_EXTMOD=y needs CONFIG_CRYPTO_FIPS140_HMAC_KEY, which this config does not set."
    if len(key) < min_key_length:
        return "CONFIG_CRYPTO_FIPS140_HMAC_KEY is %d characters long; at least %d are required." % (len(key), min_key_length)
    if _is_y(values, "MODVERSIONS"):
        for symbol, why in _UNSUPPORTED_MODVERSIONS.items():
            if _is_y(values, symbol):
                return "CONFIG_%s=y is not supported: %s." % (symbol, why)
    return None

# MODVERSIONS options the module build does not do, and why.
_UNSUPPORTED_MODVERSIONS = {
    "GENDWARFKSYMS": "symbol versions come from genksyms (CONFIG_GENKSYMS) here",
    "MODULE_SRCVERSION_ALL": "srcversion needs kbuild's source and dependency lists of every object",
}

def modpost_modversions_flags(values):
    """modpost's MODVERSIONS flags for a config, as scripts/Makefile.modpost gives them.

    Args:
      values: dict of symbol (without CONFIG_) to value.

    Returns:
      A list of flags: `-m` with `-b` and `-x` for the basic and extended version tables, or none.
    """
    if not _is_y(values, "MODVERSIONS"):
        return []
    flags = ["-m"]
    if _is_y(values, "BASIC_MODVERSIONS"):
        flags.append("-b")
    if _is_y(values, "EXTENDED_MODVERSIONS"):
        flags.append("-x")
    return flags

def _arch(values):
    if _is_y(values, "X86_64"):
        return "x86_64"
    if _is_y(values, "ARM64"):
        return "arm64"
    return None

_ATTRS = {
    "min_key_length": attr.int(default = 80, doc = "The shortest CONFIG_CRYPTO_FIPS140_HMAC_KEY accepted, here and by the HMAC action of every vmlinux_with_fips140 that uses this config; the seed's help text asks for 80 characters."),
    "src": attr.label(mandatory = True, allow_single_file = True, doc = "The .config file."),
    "values": attr.string_dict(mandatory = True, doc = "The .config's values, symbol without `CONFIG_` to value. The `kernel_config` module extension reads them from `src`."),
}

def _kernel_config_impl(ctx):
    values = ctx.attr.values
    error = fips140_config_error(values, ctx.attr.min_key_length)
    if error:
        fail("%s: %s" % (ctx.file.src.short_path, error))
    return [KernelConfigInfo(
        arch = _arch(values),
        dual_version = _is_y(values, "CRYPTO_FIPS140_DUAL_VERSION"),
        extmod = _is_y(values, "CRYPTO_FIPS140_EXTMOD"),
        extmod_source = _is_y(values, "CRYPTO_FIPS140_EXTMOD_SOURCE"),
        file = ctx.file.src,
        min_key_length = ctx.attr.min_key_length,
        values = values,
    )]

kernel_config = rule(
    implementation = _kernel_config_impl,
    doc = """A kernel .config and its symbol values.

Analysis fails, with one sentence naming the file, when the FIPS 140 options
are inconsistent: CRYPTO_FIPS140_EXTMOD needs x86_64 or arm64 and MODULES;
DUAL_VERSION needs EXTMOD_SOURCE; the HMAC key must be set and at least
`min_key_length` characters long. Usually declared by the `kernel_config`
module extension, which reads `values` from the file.""",
    attrs = _ATTRS,
    provides = [KernelConfigInfo],
)
