"""Analysis tests: --platforms and the compiler flag pick the right kernel toolchain."""

load("@bazel_skylib//lib:unittest.bzl", "analysistest", "asserts")
load("//rules:defs.bzl", "KernelToolchainInfo")

def _probe_impl(ctx):
    return [ctx.toolchains["//toolchains:kernel_toolchain_type"].kernel]

# Resolves the kernel toolchain for the target platform and returns it.
toolchain_probe = rule(
    implementation = _probe_impl,
    toolchains = ["//toolchains:kernel_toolchain_type"],
)

def _make(arch, compiler, triple, cc_prefix, ld_prefix):
    def _impl(ctx):
        env = analysistest.begin(ctx)
        info = analysistest.target_under_test(env)[KernelToolchainInfo]
        asserts.equals(env, arch, info.arch)
        asserts.equals(env, compiler, info.compiler)
        asserts.equals(env, triple, info.target_triple)
        asserts.true(env, info.cc.basename.startswith(cc_prefix), "cc is %s, want %s*" % (info.cc.basename, cc_prefix))
        asserts.true(env, info.ld.basename.startswith(ld_prefix), "ld is %s, want %s*" % (info.ld.basename, ld_prefix))
        asserts.true(env, info.cc.basename in info.versions, "no recorded version for %s" % info.cc.basename)
        return analysistest.end(env)

    settings = {"//command_line_option:platforms": str(Label("//platforms:" + arch))}
    if compiler == "clang":
        settings[str(Label("//toolchains:compiler"))] = "clang"
    return analysistest.make(_impl, config_settings = settings)

x86_64_gcc_test = _make("x86_64", "gcc", "x86_64-linux-gnu", "x86_64-linux-gnu-gcc", "x86_64-linux-gnu-ld")
arm64_gcc_test = _make("arm64", "gcc", "aarch64-linux-gnu", "aarch64-linux-gnu-gcc", "aarch64-linux-gnu-ld")
x86_64_clang_test = _make("x86_64", "clang", "x86_64-linux-gnu", "clang", "ld.lld")
arm64_clang_test = _make("arm64", "clang", "aarch64-linux-gnu", "clang", "ld.lld")

def toolchain_test_suite(name):
    """Checks toolchain resolution for each architecture and compiler flavour.

    Args:
      name: the test_suite's name.
    """
    toolchain_probe(name = name + "_probe", tags = ["manual"])
    tests = []
    for arch in ["x86_64", "arm64"]:
        for compiler in ["gcc", "clang"]:
            test_name = "%s_%s_%s_test" % (name, arch, compiler)
            rule_fn = {
                ("arm64", "clang"): arm64_clang_test,
                ("arm64", "gcc"): arm64_gcc_test,
                ("x86_64", "clang"): x86_64_clang_test,
                ("x86_64", "gcc"): x86_64_gcc_test,
            }[(arch, compiler)]
            rule_fn(name = test_name, size = "small", target_under_test = ":" + name + "_probe")
            tests.append(":" + test_name)
    native.test_suite(name = name, tests = tests)
