"""Analysis tests: kernel_config reads the FIPS 140 options and refuses bad ones."""

load("@bazel_skylib//lib:unittest.bzl", "analysistest", "asserts")
load("//rules:defs.bzl", "KernelConfigInfo", "kernel_config")

_KEY = "k" * 80

def _good_impl(ctx):
    env = analysistest.begin(ctx)
    info = analysistest.target_under_test(env)[KernelConfigInfo]
    asserts.equals(env, "arm64", info.arch)
    asserts.true(env, info.extmod, "extmod")
    asserts.true(env, info.extmod_source, "extmod_source")
    asserts.true(env, info.dual_version, "dual_version")
    asserts.equals(env, "m", info.values["CRYPTO_BLOWFISH"])
    asserts.equals(env, "good.config", info.file.basename)
    return analysistest.end(env)

_good_test = analysistest.make(_good_impl)

def _failure_test(expected):
    def _impl(ctx):
        env = analysistest.begin(ctx)
        asserts.expect_failure(env, expected)
        return analysistest.end(env)

    return analysistest.make(_impl, expect_failure = True)

# Each bad config and the sentence analysis must fail with.
_BAD = {
    "dual_without_source": (
        {"ARM64": "y", "CRYPTO_FIPS140_DUAL_VERSION": "y", "CRYPTO_FIPS140_EXTMOD": "y", "CRYPTO_FIPS140_HMAC_KEY": _KEY, "MODULES": "y"},
        "CONFIG_CRYPTO_FIPS140_DUAL_VERSION=y needs CONFIG_CRYPTO_FIPS140_EXTMOD_SOURCE=y",
    ),
    "empty_key": (
        {"CRYPTO_FIPS140_EXTMOD": "y", "CRYPTO_FIPS140_HMAC_KEY": "", "MODULES": "y", "X86_64": "y"},
        "CONFIG_CRYPTO_FIPS140_HMAC_KEY is 0 characters long; at least 80 are required.",
    ),
    "gendwarfksyms": (
        {"CRYPTO_FIPS140_EXTMOD": "y", "CRYPTO_FIPS140_HMAC_KEY": _KEY, "GENDWARFKSYMS": "y", "MODULES": "y", "MODVERSIONS": "y", "X86_64": "y"},
        "CONFIG_GENDWARFKSYMS=y is not supported: symbol versions come from genksyms (CONFIG_GENKSYMS) here.",
    ),
    "no_arch": (
        {"CRYPTO_FIPS140_EXTMOD": "y", "CRYPTO_FIPS140_HMAC_KEY": _KEY, "MODULES": "y", "RISCV": "y"},
        "needs an x86_64 or arm64 kernel",
    ),
    "no_key": (
        {"CRYPTO_FIPS140_EXTMOD": "y", "MODULES": "y", "X86_64": "y"},
        "needs CONFIG_CRYPTO_FIPS140_HMAC_KEY, which this config does not set",
    ),
    "no_modules": (
        {"CRYPTO_FIPS140_EXTMOD": "y", "CRYPTO_FIPS140_HMAC_KEY": _KEY, "MODULES": "n", "X86_64": "y"},
        "needs CONFIG_MODULES=y",
    ),
    "short_key": (
        {"CRYPTO_FIPS140_EXTMOD": "y", "CRYPTO_FIPS140_HMAC_KEY": "k" * 79, "MODULES": "y", "X86_64": "y"},
        "bad/short_key.config: CONFIG_CRYPTO_FIPS140_HMAC_KEY is 79 characters long; at least 80 are required.",
    ),
    "source_without_extmod": (
        {"CRYPTO_FIPS140_EXTMOD_SOURCE": "y", "MODULES": "y", "X86_64": "y"},
        "CONFIG_CRYPTO_FIPS140_EXTMOD_SOURCE=y needs CONFIG_CRYPTO_FIPS140_EXTMOD=y",
    ),
    "srcversion_all": (
        {"CRYPTO_FIPS140_EXTMOD": "y", "CRYPTO_FIPS140_HMAC_KEY": _KEY, "MODULES": "y", "MODULE_SRCVERSION_ALL": "y", "MODVERSIONS": "y", "X86_64": "y"},
        "CONFIG_MODULE_SRCVERSION_ALL=y is not supported",
    ),
}

# analysistest rules must be top-level globals.
_dual_without_source_test = _failure_test(_BAD["dual_without_source"][1])
_empty_key_test = _failure_test(_BAD["empty_key"][1])
_gendwarfksyms_test = _failure_test(_BAD["gendwarfksyms"][1])
_no_arch_test = _failure_test(_BAD["no_arch"][1])
_no_key_test = _failure_test(_BAD["no_key"][1])
_no_modules_test = _failure_test(_BAD["no_modules"][1])
_short_key_test = _failure_test(_BAD["short_key"][1])
_source_without_extmod_test = _failure_test(_BAD["source_without_extmod"][1])
_srcversion_all_test = _failure_test(_BAD["srcversion_all"][1])

_bad_tests = {
    "dual_without_source": _dual_without_source_test,
    "empty_key": _empty_key_test,
    "gendwarfksyms": _gendwarfksyms_test,
    "no_arch": _no_arch_test,
    "no_key": _no_key_test,
    "no_modules": _no_modules_test,
    "short_key": _short_key_test,
    "source_without_extmod": _source_without_extmod_test,
    "srcversion_all": _srcversion_all_test,
}

def kernel_config_test_suite(name):
    """Declares the kernel_config analysis tests.

    Args:
      name: the test_suite's name.
    """
    tests = []
    kernel_config(
        name = name + "_good",
        src = "good.config",
        values = {
            "ARM64": "y",
            "CRYPTO_BLOWFISH": "m",
            "CRYPTO_FIPS140_DUAL_VERSION": "y",
            "CRYPTO_FIPS140_EXTMOD": "y",
            "CRYPTO_FIPS140_EXTMOD_SOURCE": "y",
            "CRYPTO_FIPS140_HMAC_KEY": _KEY,
            "MODULES": "y",
        },
        tags = ["manual"],
    )
    _good_test(name = name + "_good_test", size = "small", target_under_test = ":" + name + "_good")
    tests.append(":" + name + "_good_test")
    for bad, (values, _) in _BAD.items():
        kernel_config(
            name = "%s_%s" % (name, bad),
            src = "bad/%s.config" % bad,
            values = values,
            tags = ["manual"],
        )
        _bad_tests[bad](name = "%s_%s_test" % (name, bad), size = "small", target_under_test = ":%s_%s" % (name, bad))
        tests.append(":%s_%s_test" % (name, bad))
    native.test_suite(name = name, tests = tests)
