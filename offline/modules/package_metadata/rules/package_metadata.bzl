"""Offline stand-in for bazel-contrib/supply-chain's `package_metadata` rule.

gazelle's generated BUILD files for go_deps repositories load this rule and
name its target in REPO.bazel as default package metadata.
"""

load("//providers:package_metadata_info.bzl", "PackageMetadataInfo")

def _package_metadata_impl(ctx):
    return [PackageMetadataInfo(purl = ctx.attr.purl, attributes = [])]

_package_metadata = rule(
    implementation = _package_metadata_impl,
    attrs = {
        "attributes": attr.label_list(doc = "Ignored by the stand-in."),
        "purl": attr.string(doc = "The package URL."),
    },
)

def package_metadata(name, purl = "", attributes = [], **kwargs):
    # applicable_licenses must be empty: default package metadata would
    # otherwise apply to this target itself and form a cycle.
    _package_metadata(
        name = name,
        purl = purl,
        attributes = attributes,
        applicable_licenses = [],
        **kwargs
    )
