"""A filegroup built for another target platform, so one test can check both architectures."""

_COMPILER = str(Label("//toolchains:compiler"))

def _platform_transition_impl(settings, attr):
    return {
        "//command_line_option:platforms": str(attr.platform),
        _COMPILER: attr.compiler or settings[_COMPILER],
    }

_platform_transition = transition(
    implementation = _platform_transition_impl,
    inputs = [_COMPILER],
    outputs = ["//command_line_option:platforms", _COMPILER],
)

def _platform_files_impl(ctx):
    groups = [
        src[OutputGroupInfo][group]
        for src in ctx.attr.srcs
        for group in ctx.attr.output_groups
        if OutputGroupInfo in src and hasattr(src[OutputGroupInfo], group)
    ]

    # Runfiles paths leave out the configuration, so the same target built
    # for two platforms would collide there: each file is linked under
    # <name>/ instead.
    links = []
    for f in depset(ctx.files.srcs, transitive = groups).to_list():
        link = ctx.actions.declare_file("%s/%s" % (ctx.label.name, f.short_path))
        ctx.actions.symlink(output = link, target_file = f)
        links.append(link)
    return [DefaultInfo(files = depset(links))]

platform_files = rule(
    implementation = _platform_files_impl,
    doc = "The files of `srcs` (and of their `output_groups`), built for `platform` (and `compiler`), linked as `<name>/<short_path>`.",
    attrs = {
        "compiler": attr.string(doc = "The kernel toolchain flavour (`gcc`, `clang`); empty keeps the current one."),
        "output_groups": attr.string_list(doc = "Output groups of `srcs` to include too."),
        "platform": attr.label(mandatory = True, doc = "The target platform to build `srcs` for."),
        "srcs": attr.label_list(cfg = _platform_transition, allow_files = True, doc = "What to build."),
        "_allowlist_function_transition": attr.label(default = "@bazel_tools//tools/allowlists/function_transition_allowlist"),
    },
)
