"""The `debian` module extension: pinned Debian packages, and Debian kernels to build modules against."""

load(":debian_kernel.bzl", "debian_kernel")
load(":debian_package.bzl", "debian_packages")

visibility("//rules/...")

_packages_tag = tag_class(
    doc = "Debian packages to fetch into one tree, repository `name`.",
    attrs = {
        "archive": attr.string(doc = "See debian_packages."),
        "archive_members": attr.string_list(doc = "See debian_packages."),
        "archive_prefix": attr.string(doc = "See debian_packages."),
        "build_file_content": attr.string(doc = "See debian_packages."),
        "name": attr.string(mandatory = True, doc = "The repository's name."),
        "packages": attr.string_dict(mandatory = True, doc = "See debian_packages."),
        "snapshot": attr.string(doc = "See debian_packages."),
        "strip_prefix": attr.string(doc = "See debian_packages."),
    },
)

_kernel_tag = tag_class(
    doc = "A Debian kernel's headers and kbuild packages, repository `name`, with a kernel_headers target `:kernel`.",
    attrs = {
        "arch": attr.string(mandatory = True, doc = "See debian_kernel."),
        "cflags": attr.label(mandatory = True, doc = "See debian_kernel."),
        "common_dir": attr.string(mandatory = True, doc = "See debian_kernel."),
        "headers_dir": attr.string(mandatory = True, doc = "See debian_kernel."),
        "name": attr.string(mandatory = True, doc = "The repository's name."),
        "packages": attr.string_dict(mandatory = True, doc = "See debian_kernel."),
        "snapshot": attr.string(doc = "See debian_kernel."),
    },
)

def _debian_impl(mctx):
    for mod in mctx.modules:
        for tag in mod.tags.packages:
            debian_packages(
                name = tag.name,
                packages = tag.packages,
                strip_prefix = tag.strip_prefix,
                build_file_content = tag.build_file_content,
                archive = tag.archive,
                archive_members = tag.archive_members,
                archive_prefix = tag.archive_prefix,
                snapshot = tag.snapshot,
            )
        for tag in mod.tags.kernel:
            debian_kernel(
                name = tag.name,
                arch = tag.arch,
                cflags = tag.cflags,
                common_dir = tag.common_dir,
                headers_dir = tag.headers_dir,
                packages = tag.packages,
                snapshot = tag.snapshot,
            )
    return mctx.extension_metadata(reproducible = True)

debian = module_extension(
    implementation = _debian_impl,
    doc = "Fetches pinned Debian packages (kernel headers, kbuild tools, sources).",
    tag_classes = {"kernel": _kernel_tag, "packages": _packages_tag},
)
