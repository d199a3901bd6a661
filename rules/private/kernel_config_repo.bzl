"""A repository that reads a kernel .config into a kernel_config target."""

visibility("//rules/...")

def _unquote(path, lineno, raw):
    # kconfig writes strings in double quotes with \\ and \" escaped.
    if not (len(raw) >= 2 and raw.startswith("\"") and raw.endswith("\"")):
        fail("%s:%d: unterminated string %s" % (path, lineno, raw))
    out = []
    escaped = False
    for c in raw[1:-1].elems():
        if escaped:
            out.append(c)
            escaped = False
        elif c == "\\":
            escaped = True
        else:
            out.append(c)
    return "".join(out)

def parse_kconfig(path, text):
    """Parses .config text as kconfig writes it.

    Args:
      path: the file's name, for errors.
      text: its contents.

    Returns:
      dict of symbol (without CONFIG_) to value; strings unquoted, unset
      symbols ("# CONFIG_X is not set") as "n". A later line wins.
    """
    values = {}
    for lineno, line in enumerate(text.splitlines(), start = 1):
        line = line.rstrip("\r").strip()
        if not line:
            continue
        if line.startswith("#"):
            if line.startswith("# CONFIG_") and line.endswith(" is not set"):
                values[line[len("# CONFIG_"):-len(" is not set")]] = "n"
            continue
        if not line.startswith("CONFIG_") or "=" not in line:
            fail("%s:%d: not a kconfig line: %s" % (path, lineno, line))
        symbol, raw = line[len("CONFIG_"):].split("=", 1)
        values[symbol] = _unquote(path, lineno, raw) if raw.startswith("\"") else raw
    return values

_FRAGMENTS_DOC = "Config fragments appended to `config` in order, a later line winning, as the kernel's merge_config.sh merges them (without Kconfig's resolution: for options that no Kconfig symbol resolves, such as the seed's CONFIG_CRYPTO_FIPS140_*). The repository's `.config` is the merged file."

def _kernel_config_repo_impl(rctx):
    text = rctx.read(rctx.attr.config)
    values = parse_kconfig(str(rctx.attr.config), text)
    for fragment in rctx.attr.fragments:
        # Appended as merge_config.sh appends: a later line wins.
        more = rctx.read(fragment)
        values |= parse_kconfig(str(fragment), more)
        text += "%s# %s\n%s" % ("" if text.endswith("\n") else "\n", fragment, more)
    rctx.file(".config", text)
    rctx.file("values.bzl", "VALUES = %s\n" % json.encode_indent(values, indent = "    "))
    rctx.file("values.json", json.encode(values))
    rctx.file("BUILD.bazel", """\
load("@rules_fips140//rules:defs.bzl", "kernel_config")
load(":values.bzl", "VALUES")

kernel_config(
    name = "config",
    src = ".config",
    min_key_length = {min_key_length},
    values = VALUES,
    visibility = ["//visibility:public"],
)

exports_files([".config", "values.json"])
""".format(min_key_length = rctx.attr.min_key_length))

kernel_config_repo = repository_rule(
    implementation = _kernel_config_repo_impl,
    doc = "Reads a .config into `@<name>//:config`, a kernel_config target.",
    attrs = {
        "config": attr.label(mandatory = True, allow_single_file = True, doc = "The .config file."),
        "fragments": attr.label_list(allow_files = True, doc = _FRAGMENTS_DOC),
        "min_key_length": attr.int(default = 80, doc = "See kernel_config."),
    },
)

_from_file = tag_class(
    doc = "Read the .config `config` into repository `name`, whose `:config` target is a kernel_config.",
    attrs = {
        "config": attr.label(mandatory = True, doc = "The .config file."),
        "fragments": attr.label_list(doc = _FRAGMENTS_DOC),
        "min_key_length": attr.int(default = 80, doc = "See kernel_config."),
        "name": attr.string(mandatory = True, doc = "The repository's name."),
    },
)

def _kernel_config_ext_impl(mctx):
    for mod in mctx.modules:
        for tag in mod.tags.from_file:
            kernel_config_repo(name = tag.name, config = tag.config, fragments = tag.fragments, min_key_length = tag.min_key_length)
    return mctx.extension_metadata(reproducible = True)

kernel_config_ext = module_extension(
    implementation = _kernel_config_ext_impl,
    doc = "Reads kernel .config files into kernel_config targets.",
    tag_classes = {"from_file": _from_file},
)
