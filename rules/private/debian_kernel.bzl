"""A repository rule that makes a kernel_headers target from Debian's prebuilt-kernel packages.

Debian's linux-headers-<version>-<flavour> (+ -common) and linux-kbuild
packages hold what modules of that kernel build against: headers, .config,
Module.symvers, module.lds, scripts/module-common.c, on amd64 objtool and,
for kernels with CONFIG_DEBUG_INFO_BTF, resolve_btfids. The compile flags are the ones kbuild used for a module object of that
kernel, recorded once with `make M=... V=1` (a file with @COMMON@ and @ARCH@
for the two headers directories). objtool's arguments are derived from the
kbuild package's scripts/Makefile.lib and the .config, as kbuild derives them.
"""

load(":debian_package.bzl", "SNAPSHOT_DOC", "fetch_debs")
load(":kernel_config_repo.bzl", "parse_kconfig")

visibility("//rules/...")

# Flags kbuild gives each object; fips140_ko and crypto_objs add their own.
_PER_OBJECT_PREFIXES = ["-DMODULE", "-DKBUILD_BASENAME=", "-DKBUILD_MODNAME=", "-D__KBUILD_MODNAME=", "-DKBUILD_MODFILE="]

_SRCARCH = {"arm64": "arm64", "x86_64": "x86"}

def _is_set(values, expr, where):
    """Evaluates `$(CONFIG_X)` or `$(or $(CONFIG_A),$(CONFIG_B),...)` to a bool."""
    expr = expr.strip()
    terms = [expr]
    if expr.startswith("$(or ") and expr.endswith(")"):
        terms = [t.strip() for t in expr[len("$(or "):-1].split(",")]
    for term in terms:
        if not (term.startswith("$(CONFIG_") and term.endswith(")")):
            fail("%s: cannot evaluate %s" % (where, expr))
        if values.get(term[len("$(CONFIG_"):-1], "n") == "y":
            return True
    return False

def _expand(values, text, where):
    """Replaces each $(CONFIG_X) in text with its value."""
    out = text
    for _ in range(8):
        start = out.find("$(CONFIG_")
        if start < 0:
            return out
        end = out.find(")", start)
        if end < 0:
            fail("%s: unterminated %s" % (where, out[start:]))
        out = out[:start] + values.get(out[start + len("$(CONFIG_"):end], "") + out[end + 1:]
    fail("%s: too many variables in %s" % (where, text))

def objtool_module_args(path, makefile, values):
    """The objtool arguments kbuild gives module objects, from scripts/Makefile.lib.

    It reads the `ifdef CONFIG_OBJTOOL` block: each `objtool-args-$(...) += ARG`
    line (inside nested `ifdef CONFIG_X` blocks), then `--link` when
    delay-objtool holds, then `--module`. Any other objtool-args line fails.

    Args:
      path: Makefile.lib's name, for errors.
      makefile: its text.
      values: the .config, symbol without CONFIG_ to value.

    Returns:
      The arguments, or [] when the kernel has no CONFIG_OBJTOOL.
    """
    if values.get("OBJTOOL", "n") != "y":
        return []
    args = []
    delay = None
    conds = []
    in_block = False
    for lineno, raw in enumerate(makefile.splitlines(), start = 1):
        line = raw.strip()
        where = "%s:%d" % (path, lineno)
        if line == "ifdef CONFIG_OBJTOOL":
            in_block = True
            conds = []
            continue
        if not in_block:
            continue
        if line.startswith("ifdef CONFIG_"):
            conds.append(values.get(line[len("ifdef CONFIG_"):], "n") == "y")
        elif line.startswith("endif"):
            if not conds:
                in_block = False
                continue
            conds.pop()
        elif line.startswith("objtool-args-$("):
            cond, sep, value = line[len("objtool-args-"):].partition("+=")
            if not sep:
                fail("%s: not an objtool-args-$(...) += line: %s" % (where, line))
            if all(conds) and _is_set(values, cond, where):
                args.extend([a for a in _expand(values, value, where).replace("\t", " ").split(" ") if a])
        elif line.startswith("delay-objtool :="):
            delay = _is_set(values, line[len("delay-objtool :="):], where)
    if delay == None:
        fail("%s: no delay-objtool line in its CONFIG_OBJTOOL block" % path)
    if delay:
        args.append("--link")
    return args + ["--module"]

def _cflags(rctx, common, arch_dir):
    text = rctx.read(rctx.attr.cflags)
    flags = []
    for flag in text.splitlines():
        flag = flag.strip()
        if not flag or any([flag.startswith(p) for p in _PER_OBJECT_PREFIXES]):
            continue
        flags.append(flag.replace("@COMMON@", "$(PACKAGE_DIR)/" + common).replace("@ARCH@", "$(PACKAGE_DIR)/" + arch_dir))
    return flags

def _debian_kernel_impl(rctx):
    fetch_debs(rctx, rctx.attr.packages, snapshot = rctx.attr.snapshot)
    headers, common = rctx.attr.headers_dir, rctx.attr.common_dir
    srcarch = _SRCARCH[rctx.attr.arch]
    config_path = headers + "/.config"
    if not rctx.path(config_path).exists:
        fail("%s: the packages hold no %s" % (rctx.name, config_path))
    values = parse_kconfig(config_path, rctx.read(config_path))
    makefile_lib = headers + "/scripts/Makefile.lib"
    objtool_args = objtool_module_args(makefile_lib, rctx.read(makefile_lib), values)
    objtool = headers + "/tools/objtool/objtool.real-" + srcarch if objtool_args else None

    # Kernels with BTF make it with resolve_btfids (scripts/Makefile.btf).
    resolve_btfids = headers + "/tools/bpf/resolve_btfids/resolve_btfids" if values.get("DEBUG_INFO_BTF") == "y" else None
    for f in [objtool, resolve_btfids, headers + "/Module.symvers", headers + "/arch/%s/module.lds" % srcarch, headers + "/scripts/module-common.c"]:
        if f and not rctx.path(f).exists:
            fail("%s: the packages hold no %s" % (rctx.name, f))
    rctx.file("ROOT", "")
    rctx.file("BUILD.bazel", _BUILD.format(
        defs = str(Label("//rules:defs.bzl")),
        cflags = json.encode_indent(_cflags(rctx, common, headers), indent = "    ").replace("\n", "\n    "),
        hdrs = json.encode_indent([
            common + "/include/**",
            common + "/arch/%s/include/**" % srcarch,
            headers + "/include/**",
            headers + "/arch/%s/include/**" % srcarch,
        ], indent = "    ").replace("\n", "\n    "),
        # include/config/ holds kbuild's per-symbol stamp files (about 7,000
        # empty files, read by fixdep, never by the compiler): as inputs they
        # would only make every compile's sandbox twice as large.
        hdrs_exclude = json.encode([headers + "/include/config/**"]),
        headers = headers,
        srcarch = srcarch,
        objtool = json.encode(objtool) if objtool else "None",
        objtool_args = json.encode(objtool_args),
        resolve_btfids = json.encode(resolve_btfids) if resolve_btfids else "None",
        cpu = {"arm64": "aarch64", "x86_64": "x86_64"}[rctx.attr.arch],
    ))

_BUILD = """\
load("{defs}", "kernel_headers")

package(default_visibility = ["//visibility:public"])

# What modules of this kernel build against, with its compile flags.
kernel_headers(
    name = "kernel",
    hdrs = glob(
        {hdrs},
        exclude = {hdrs_exclude},
    ),
    cflags = {cflags},
    external_modules = True,
    module_common_c = "{headers}/scripts/module-common.c",
    module_lds = "{headers}/arch/{srcarch}/module.lds",
    objtool = {objtool},
    objtool_args = {objtool_args},
    resolve_btfids = {resolve_btfids},
    symvers = "{headers}/Module.symvers",
    target_compatible_with = ["@platforms//cpu:{cpu}"],
)

filegroup(
    name = "files",
    srcs = glob(["**"], exclude = ["BUILD.bazel", "REPO.bazel"]),
)

exports_files(glob(["**"], exclude = ["BUILD.bazel", "REPO.bazel"]))
"""

debian_kernel = repository_rule(
    implementation = _debian_kernel_impl,
    doc = """Fetches a Debian kernel's headers and kbuild packages (pinned by pool path and
sha256) into one tree, like debian_packages, and adds `:kernel`, a kernel_headers
target for building modules against that kernel.""",
    attrs = {
        "arch": attr.string(mandatory = True, values = ["x86_64", "arm64"], doc = "The kernel's ARCH."),
        "cflags": attr.label(mandatory = True, allow_single_file = True, doc = "kbuild's compile flags for a module object, one per line, @COMMON@ and @ARCH@ standing for common_dir and headers_dir. Per-object defines in it are dropped."),
        "common_dir": attr.string(mandatory = True, doc = "The -common headers directory, e.g. `usr/src/linux-headers-7.2.13+deb14-common`."),
        "headers_dir": attr.string(mandatory = True, doc = "The flavour's headers directory, e.g. `usr/src/linux-headers-7.2.13+deb14-amd64`."),
        "packages": attr.string_dict(mandatory = True, doc = "Each package's path on the mirror (`pool/main/...deb`) to its sha256."),
        "snapshot": attr.string(doc = SNAPSHOT_DOC),
    },
    environ = ["RULES_FIPS140_DEBIAN_MIRROR"],
)
