"""analysis_failure_test: a target's analysis must fail with a given message."""

load("@bazel_skylib//lib:unittest.bzl", "analysistest", "asserts")

def _analysis_failure_impl(ctx):
    env = analysistest.begin(ctx)
    asserts.expect_failure(env, ctx.attr.message)
    return analysistest.end(env)

analysis_failure_test = analysistest.make(
    _analysis_failure_impl,
    attrs = {"message": attr.string(doc = "A substring of the failure message.")},
    expect_failure = True,
    config_settings = {"//command_line_option:platforms": str(Label("//platforms:x86_64"))},
)
