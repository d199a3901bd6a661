"""Offline stand-in for buildozer's `buildozer_binary` extension.

Bazel's own MODULE.tools asks for a repository named `buildozer_binary`; only
`bazel mod tidy` runs it. This creates an empty repository of that name.
"""

def _empty_repo_impl(rctx):
    rctx.file("BUILD.bazel", "# Offline stand-in: no buildozer binary.\n")

_empty_repo = repository_rule(implementation = _empty_repo_impl)

def _buildozer_binary_impl(_mctx):
    _empty_repo(name = "buildozer_binary")

buildozer_binary = module_extension(implementation = _buildozer_binary_impl)
