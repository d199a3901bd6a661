"""Finds the kernel tools on the host and declares a kernel_toolchain for each
architecture and compiler flavour, recording every tool's version.

The tools are found by name on PATH at fetch time, so nothing in the source
tree names a machine's paths (the generated repository's scripts do); their
versions are recorded so that a build's provenance can name them.
"""

load(":debian_toolchain.bzl", "debian_tree")

visibility("//rules/...")

# Each flavour: tool names per architecture, and the flags that go with them.
def _flavours(gcc_version, llvm_version):
    return {
        "arm64_clang": struct(
            arch = "arm64",
            compiler = "clang",
            triple = "aarch64-linux-gnu",
            cc = ["clang-" + llvm_version],
            cc_flags = ["--target=aarch64-linux-gnu"],
            ld = ["ld.lld-" + llvm_version],
            lld = True,
            objcopy = ["llvm-objcopy-" + llvm_version],
            nm = ["llvm-nm-" + llvm_version],
        ),
        "arm64_gcc": struct(
            arch = "arm64",
            compiler = "gcc",
            triple = "aarch64-linux-gnu",
            cc = ["aarch64-linux-gnu-gcc-" + gcc_version],
            cc_flags = [],
            ld = ["aarch64-linux-gnu-ld.bfd"],
            lld = False,
            objcopy = ["aarch64-linux-gnu-objcopy"],
            nm = ["aarch64-linux-gnu-nm"],
        ),
        "x86_64_clang": struct(
            arch = "x86_64",
            compiler = "clang",
            triple = "x86_64-linux-gnu",
            cc = ["clang-" + llvm_version],
            cc_flags = ["--target=x86_64-linux-gnu"],
            ld = ["ld.lld-" + llvm_version],
            lld = True,
            objcopy = ["llvm-objcopy-" + llvm_version],
            nm = ["llvm-nm-" + llvm_version],
        ),
        "x86_64_gcc": struct(
            arch = "x86_64",
            compiler = "gcc",
            triple = "x86_64-linux-gnu",
            cc = ["x86_64-linux-gnu-gcc-" + gcc_version],
            cc_flags = [],
            ld = ["x86_64-linux-gnu-ld.bfd"],
            lld = False,
            objcopy = ["x86_64-linux-gnu-objcopy"],
            nm = ["x86_64-linux-gnu-nm"],
        ),
    }

def _find(rctx, names):
    for name in names:
        path = rctx.which(name)
        if path:
            # The directory's real path: with PATH=/bin:/usr/bin (Bazel's
            # strict action environment) /bin/gcc is found, and in a sandbox
            # where /bin is a mount, not a symlink to usr/bin, gcc looks for
            # cc1 under /libexec. The name stays: ld.lld-21 resolves to lld,
            # which needs to be called ld.lld.
            return name, "%s/%s" % (path.dirname.realpath, path.basename)
    return names[0], None

def _wrapper(rctx, dest, path):
    """Writes dest: a script that runs the tool at its real path.

    Not a symlink: the hermetic sandbox copies inputs (it follows a symlink
    out of the tree), and gcc and clang find their programs (cc1, as) and
    resource directories next to their own path, which must stay the real
    one.
    """
    rctx.file(dest, """#!/bin/sh
exec '{path}' "$@"
""".format(path = str(path)), executable = True)

def _version(rctx, path):
    result = rctx.execute([path, "--version"])
    lines = (result.stdout or result.stderr).splitlines()
    return lines[0].strip() if lines else "unknown"

# The emulators that boot tests run kernels in, per kernel architecture.
_QEMU = {
    "qemu_arm64": "qemu-system-aarch64",
    "qemu_x86_64": "qemu-system-x86_64",
}

def _qemu_target(rctx, tool, target, program):
    """Declares `target`: the emulator, or a stand-in that says it is missing."""
    if not tool:
        rctx.file("bin/" + program, """#!/bin/sh
echo "{program} was not on PATH when @{repo} was fetched: install it (Debian: qemu-system-x86 or qemu-system-arm) and refetch" >&2
exit 127
""".format(program = program, repo = rctx.original_name if hasattr(rctx, "original_name") else rctx.name), executable = True)
    return """# {program}, for boot tests (tests/realkernel).
filegroup(
    name = {target},
    srcs = [{src}],
)
""".format(program = program, target = repr(target), src = repr("bin/" + program))

def _string_arg(call, name):
    """The string value of `name = "..."` in a Starlark call's text, or ""."""
    at = call.find(name + " = \"")
    if at < 0:
        return ""
    rest = call[at + len(name) + 4:]
    return rest[:rest.find("\"")]

def _module_version(rctx, label):
    """The version a module's MODULE.bazel gives itself, or "" (a source checkout sets none)."""
    text = rctx.read(rctx.path(label))
    call = text[text.find("module("):]
    return _string_arg(call[:call.find(")")], "version")

def _dep_version(text, name):
    """The version rules_fips140's MODULE.bazel asks of bazel_dep `name`."""
    call = text[text.find("bazel_dep(name = \"%s\"" % name):]
    return _string_arg(call[:call.find(")")], "version")

# The record bazelw writes in its build root: tool versions, then the
# packages as name=version.
_BUILDENV = "/opt/rules_fips140/buildenv.txt"

def _record_builder(rctx):
    """Writes builder.txt (Bazel, rules_go and gazelle versions) and buildenv.txt (the build root's record), for provenance.

    Only what is known goes in: Debian's Bazel reports an empty
    native.bazel_version, and a module fetched from source (as bazelw's
    overrides are) has no version in its MODULE.bazel. The versions
    rules_fips140 asks for are recorded as `bazel_dep:<name>`.
    """
    own = rctx.read(rctx.path(Label("//:MODULE.bazel")))
    known = [
        ("bazel", native.bazel_version),
        ("bazel_dep:gazelle", _dep_version(own, "gazelle")),
        ("bazel_dep:rules_go", _dep_version(own, "rules_go")),
        ("gazelle", _module_version(rctx, Label("@bazel_gazelle//:MODULE.bazel"))),
        ("rules_go", _module_version(rctx, Label("@io_bazel_rules_go//:MODULE.bazel"))),
    ]
    rctx.file("builder.txt", "".join(["%s=%s\n" % (k, v) for k, v in known if v]))
    path = rctx.path(rctx.os.environ.get("RULES_FIPS140_BUILDENV", _BUILDENV))
    if path.exists:
        rctx.file("buildenv.txt", rctx.read(path))
    else:
        rctx.file("buildenv.txt", "# no build root record at %s (set RULES_FIPS140_BUILDENV): packages unknown\n" % path)

def _tree_label(rctx, name):
    """The label of `name` in the pinned tree's repository, as this repository's BUILD names it."""
    return str(rctx.attr.tree.same_package_label(name))

def _pinned_tool(rctx, name, versions_txt):
    """A tool of the pinned tree: its wrapper's label, and its version."""
    path = rctx.path(rctx.attr.tree).dirname.get_child("wrap/bin/" + name)
    if not path.exists:
        fail("%s: the pinned packages hold no %s" % (rctx.name, name))
    version = _version(rctx, path)
    line = "%s=%s" % (name, version)
    if line not in versions_txt:
        versions_txt.append(line)
    return struct(label = _tree_label(rctx, "wrap/bin/" + name), version = version, name = name)

def _kernel_host_tools_impl(rctx):
    pinned = bool(rctx.attr.tree)
    build = [
        'load("@rules_fips140//rules/private:kernel_toolchain.bzl", "kernel_toolchain")',
        'load("@rules_fips140//rules/private:unavailable.bzl", "unavailable_toolchain")',
        "",
        'package(default_visibility = ["//visibility:public"])',
        "",
    ]
    versions_txt = []
    found = {}

    def find(names):
        if names[0] in found:
            return found[names[0]]
        name, path = _find(rctx, names)
        entry = None
        if path:
            _wrapper(rctx, "bin/" + name, path)
            version = _version(rctx, path)
            entry = struct(label = ":bin/" + name, version = version, name = name)
            versions_txt.append("%s=%s" % (name, version))
        found[names[0]] = entry
        return entry

    pahole = _pinned_tool(rctx, "pahole", versions_txt) if pinned else find(["pahole"])
    for flavour, f in sorted(_flavours(rctx.attr.gcc_version, rctx.attr.llvm_version).items()):
        from_tree = pinned
        tools = {k: _pinned_tool(rctx, names[0], versions_txt) if from_tree else find(names) for k, names in [("cc", f.cc), ("ld", f.ld), ("nm", f.nm), ("objcopy", f.objcopy)]}
        missing = [names[0] for names, t in [(f.cc, tools["cc"]), (f.ld, tools["ld"]), (f.nm, tools["nm"]), (f.objcopy, tools["objcopy"])] if not t]
        if missing:
            build.append("unavailable_toolchain(name = %r, reason = %r)\n" % (
                flavour,
                "the %s %s kernel toolchain needs %s, which %s not on PATH when @%s was fetched" % (
                    f.arch,
                    f.compiler,
                    ", ".join(missing),
                    "is" if len(missing) == 1 else "are",
                    rctx.original_name if hasattr(rctx, "original_name") else rctx.name,
                ),
            ))
            continue
        versions = {t.name: t.version for t in tools.values()}
        if pahole:
            versions[pahole.name] = pahole.version
        build.append("""kernel_toolchain(
    name = {name},
    arch = {arch},
    cc = {cc},
    cc_flags = {cc_flags},
    compiler = {compiler},
    ld = {ld},
    lld = {lld},
    nm = {nm},
    objcopy = {objcopy},
    pahole = {pahole},
    target_triple = {triple},
    versions = {versions},{pinned}
)
""".format(
            pinned = """
    build_files = [{all}],
    files = [{gcc}, {pahole}],
    make = {make},
    packages = {packages},""".format(
                all = repr(_tree_label(rctx, "all_files")),
                gcc = repr(_tree_label(rctx, f.triple + "_gcc_files" if f.compiler == "gcc" else "clang_files")),
                pahole = repr(_tree_label(rctx, "pahole_files")),
                make = repr(_tree_label(rctx, "wrap/bin/make")),
                packages = repr(_tree_label(rctx, "packages.txt")),
            ) if from_tree else "",
            name = repr(flavour),
            arch = repr(f.arch),
            cc = repr(tools["cc"].label),
            cc_flags = repr(f.cc_flags),
            compiler = repr(f.compiler),
            ld = repr(tools["ld"].label),
            lld = repr(f.lld),
            nm = repr(tools["nm"].label),
            objcopy = repr(tools["objcopy"].label),
            pahole = repr(pahole.label) if pahole else "None",
            triple = repr(f.triple),
            versions = repr(versions),
        ))
    for target, program in sorted(_QEMU.items()):
        build.append(_qemu_target(rctx, find([program]), target, program))
    if pahole:
        build.append("alias(\n    name = \"pahole\",\n    actual = %r,\n)\n" % pahole.label)
    build.append('filegroup(\n    name = "pahole_files",\n    srcs = %r,\n)\n' % ([_tree_label(rctx, "pahole_files")] if pinned else [":pahole"] if pahole else []))
    build.append('exports_files(["buildenv.txt", "builder.txt", "versions.txt"])')
    rctx.file("versions.txt", "\n".join(sorted(versions_txt)) + "\n")
    _record_builder(rctx)
    rctx.file("BUILD.bazel", "\n".join(build) + "\n")

kernel_host_tools = repository_rule(
    implementation = _kernel_host_tools_impl,
    doc = "Finds gcc/binutils and clang/lld for x86_64 and arm64 on PATH and declares a kernel_toolchain for each, and `qemu_x86_64`, `qemu_arm64`: the emulators boot tests use. Records, for provenance, every tool's version (`versions.txt`), Bazel's, rules_go's and gazelle's (`builder.txt`), and the build root's package list (`buildenv.txt`, a copy of bazelw's record at $RULES_FIPS140_BUILDENV or /opt/rules_fips140/buildenv.txt).",
    attrs = {
        "gcc_version": attr.string(default = "16", doc = "The gcc major version whose `<triple>-gcc-<version>` drivers to use."),
        "llvm_version": attr.string(default = "21", doc = "The LLVM major version whose `clang-<version>`, `ld.lld-<version>` to use."),
        "tree": attr.label(doc = "`packages.txt` of a debian_tree of pinned packages holding gcc, binutils, clang/lld, pahole and every program a kernel build runs: the toolchains and pahole come from it, and qemu from PATH. Unset: everything from PATH."),
    },
    environ = ["PATH", "RULES_FIPS140_BUILDENV"],
    local = True,
)

_debian_packages_tag = tag_class(
    doc = "Take the gcc and clang toolchains, pahole and every program a kernel build runs from these pinned Debian packages (repository `<name>_debian`) rather than from PATH.",
    attrs = {
        "name": attr.string(default = "kernel_tools", doc = "The `host` tag's repository these tools go into."),
        "packages": attr.string_dict(mandatory = True, doc = "Each package's pool path to its sha256."),
        "snapshot": attr.string(doc = "See debian_packages."),
    },
)

_host_tag = tag_class(
    doc = "Declare the kernel toolchains found on the host as repository `name`.",
    attrs = {
        "gcc_version": attr.string(default = "16", doc = "See kernel_host_tools."),
        "llvm_version": attr.string(default = "21", doc = "See kernel_host_tools."),
        "name": attr.string(default = "kernel_tools", doc = "The repository's name."),
    },
)

def _kernel_tools_impl(mctx):
    for mod in mctx.modules:
        trees = {}
        for tag in mod.tags.debian_packages:
            debian_tree(name = tag.name + "_debian", packages = tag.packages, snapshot = tag.snapshot)
            trees[tag.name] = "@%s_debian//:packages.txt" % tag.name
        for tag in mod.tags.host:
            kernel_host_tools(name = tag.name, gcc_version = tag.gcc_version, llvm_version = tag.llvm_version, tree = trees.get(tag.name))

kernel_tools = module_extension(
    implementation = _kernel_tools_impl,
    doc = "Kernel toolchains: gcc, binutils, clang/lld, pahole and the kernel build's programs from pinned Debian packages (`debian_packages`), qemu from the host's PATH.",
    tag_classes = {"debian_packages": _debian_packages_tag, "host": _host_tag},
)
