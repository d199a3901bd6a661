"""Offline stand-in for bazel-contrib/supply-chain's PackageMetadataInfo."""

PackageMetadataInfo = provider(
    doc = "Package metadata of a third-party repository.",
    fields = {
        "attributes": "A list of attribute files; always empty here.",
        "purl": "The package URL (purl) string.",
    },
)
