"""The provenance record of vmlinux_with_fips140: an in-toto Statement with an SLSA provenance v1 predicate."""

load(":providers.bzl", "CryptoObjsInfo", "KernelHeadersInfo")

visibility("//rules/...")

_InputsInfo = provider(
    doc = "Private to provenance_aspect: what building a target read.",
    fields = {
        "headers": "dict: label string to depset of Files, one kernel_headers' header set each.",
        "objects": "depset of Files: compiled crypto objects.",
        "sources": "depset of Files: source files, except header sets.",
        "tools": "depset of Files: executables, the Go helpers among them.",
    },
)

# The attributes the aspect follows, from vmlinux_with_fips140 down.
_WALK = ["kernel", "kernel_config", "module", "objs", "srcs"]

def _name(label):
    """A label as written in the main repository: `//pkg:name`, `@repo//pkg:name`."""
    repo = "@" + label.workspace_name if label.workspace_name else ""
    return "%s//%s:%s" % (repo, label.package, label.name)

def _targets(value):
    if value == None:
        return []
    return value if type(value) == "list" else [value]

def _provenance_aspect_impl(target, ctx):
    r = ctx.rule
    tools = [f for a in dir(r.executable) for f in [getattr(r.executable, a)] if type(f) == "File"]
    headers = {}
    sources = []
    if KernelHeadersInfo in target:
        headers[_name(target.label)] = target[KernelHeadersInfo].hdrs
    crypto = target[CryptoObjsInfo] if CryptoObjsInfo in target else None

    # An =n crypto_objs compiles nothing: its sources are not inputs.
    if not crypto or crypto.mode != "none":
        sources = [
            f
            for a in dir(r.files)
            if not (a == "hdrs" and headers)
            for files in [getattr(r.files, a)]
            if type(files) == "list"
            for f in files
            if f.is_source and f not in tools
        ]
    deps = [t[_InputsInfo] for a in _WALK for t in _targets(getattr(r.attr, a, None)) if _InputsInfo in t]
    for d in deps:
        headers.update(d.headers)
    return [_InputsInfo(
        headers = headers,
        objects = depset(crypto.objects if crypto else [], transitive = [d.objects for d in deps]),
        sources = depset(sources, transitive = [d.sources for d in deps]),
        tools = depset(tools, transitive = [d.tools for d in deps]),
    )]

provenance_aspect = aspect(
    implementation = _provenance_aspect_impl,
    doc = "Collects the sources, header sets, objects and tools that vmlinux_with_fips140's inputs were built from.",
    attr_aspects = _WALK,
)

PROVENANCE_ATTRS = {
    "_buildenv": attr.label(default = "@kernel_tools//:buildenv.txt", allow_single_file = True),
    "_builder": attr.label(default = "@kernel_tools//:builder.txt", allow_single_file = True),
    "_provenance": attr.label(default = "//tools/provenance", executable = True, cfg = "exec"),
    "_tool_versions": attr.label(default = "@kernel_tools//:versions.txt", allow_single_file = True),
}

def emit_provenance(ctx, *, toolchain, config, subjects, objects, byproducts, out):
    """Writes the provenance record of what `ctx` built.

    Args:
      ctx: the vmlinux_with_fips140 rule context (its attrs carry provenance_aspect).
      toolchain: KernelToolchainInfo.
      config: KernelConfigInfo.
      subjects: list of (role, File): the outputs.
      objects: depset of Files: the objects the rule and its module linked.
      byproducts: list of Files recorded as byproducts.
      out: the File to write.
    """
    deps = [t[_InputsInfo] for a in ["kernel", "module", "srcs"] for t in _targets(getattr(ctx.attr, a)) if _InputsInfo in t]
    headers = {}
    for d in deps:
        headers.update(d.headers)
    tools = depset(
        [toolchain.cc, toolchain.ld, toolchain.objcopy] + [f for f in [toolchain.nm, toolchain.pahole] if f] +
        [f for a in dir(ctx.executable) for f in [getattr(ctx.executable, a)] if type(f) == "File"],
        transitive = [d.tools for d in deps],
    )
    sources = depset(ctx.files.prebuilt + ([ctx.file.lds] if ctx.file.lds else []), transitive = [d.sources for d in deps])
    objects = depset(transitive = [objects] + [d.objects for d in deps])
    records = [ctx.file._builder, ctx.file._tool_versions, ctx.file._buildenv] + ([toolchain.packages] if toolchain.packages else [])

    args = ctx.actions.args()
    args.use_param_file("@%s", use_always = True)
    args.set_param_file_format("multiline")
    args.add("-o", out)
    for k, v in [("target", _name(ctx.label)), ("arch", toolchain.arch), ("compiler", toolchain.compiler), ("kernel_config", _name(ctx.attr.kernel_config.label))]:
        args.add("-param", "%s=%s" % (k, v))
    for role, f in subjects:
        args.add_all([f], before_each = "subject:" + role)
    args.add_all([config.file], before_each = "config")
    args.add_all(tools, before_each = "tool")
    for label, files in sorted(headers.items()):
        args.add_all(files, before_each = "headers:" + label)
    args.add_all(sources, before_each = "source")
    args.add_all(objects, before_each = "object")
    args.add_all(byproducts, before_each = "byproduct")
    args.add_all([ctx.file._builder], before_each = "builder")
    args.add_all([ctx.file._tool_versions], before_each = "versions")
    args.add_all([ctx.file._buildenv], before_each = "buildenv")
    if toolchain.packages:
        args.add_all([toolchain.packages], before_each = "packages")
    ctx.actions.run(
        executable = ctx.executable._provenance,
        arguments = [args],
        inputs = depset(
            [f for _, f in subjects] + [config.file] + byproducts + records,
            transitive = [tools, sources, objects] + headers.values(),
        ),
        outputs = [out],
        mnemonic = "Fips140Provenance",
        progress_message = "Recording the provenance of %{label}",
        # Unsandboxed: every provenance action reads @kernel_tools' records,
        # files of a local repository, and the hermetic sandbox hardlinks
        # its inputs, which changes their ctime; a long provenance action
        # (a real kernel's objects) then failed with "input dependency
        # .../buildenv.txt was modified during execution" when another one
        # started beside it. The helper reads only the files it is given.
        execution_requirements = {"no-sandbox": "1"},
    )
