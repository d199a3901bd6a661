"""Analysis tests: crypto_objs routing over y/m/n x EXTMOD on/off, and the argv of its actions."""

load("@bazel_skylib//lib:unittest.bzl", "analysistest", "asserts")
load("//rules:defs.bzl", "CryptoObjsInfo", "crypto_objs", "kernel_config")

def _routing_impl(ctx):
    env = analysistest.begin(ctx)
    target = analysistest.target_under_test(env)
    info = target[CryptoObjsInfo]
    asserts.equals(env, ctx.attr.mode, info.mode)
    actions = analysistest.target_actions(env)
    compiles = [a for a in actions if a.mnemonic == "KernelCompile"]
    asserts.equals(env, ctx.attr.compiles, len(compiles), "number of compiles")
    name = target.label.name
    for a in compiles:
        for flag in [f.replace("@NAME@", name) for f in ctx.attr.flags]:
            asserts.true(env, flag in a.argv, "compile argv lacks %s: %s" % (flag, a.argv))
        for flag in [f.replace("@NAME@", name) for f in ctx.attr.absent_flags]:
            asserts.false(env, flag in a.argv, "compile argv has %s: %s" % (flag, a.argv))

        # kbuild's order: the seed's KBUILD_CFLAGS additions, the object's
        # own CFLAGS_obj.o, then -DMODULE and the KBUILD_* names.
        own = a.argv.index(_COPT)
        for flag in ["-DFIPS_MODULE=1", "-DFIPS140_CRYPTO_OBJS_M=1"]:
            if flag in a.argv:
                asserts.true(env, a.argv.index(flag) < own, "%s must come before the object's own flags: %s" % (flag, a.argv))
        for flag in a.argv:
            if flag == "-DMODULE" or flag.startswith("-DKBUILD_"):
                asserts.true(env, a.argv.index(flag) > own, "%s must come after the object's own flags: %s" % (flag, a.argv))

    # The =m marker header goes into the module once, with its first part,
    # and only under EXTMOD.
    marked = [a for a in compiles if "-include" in a.argv]
    asserts.equals(env, 1 if ctx.attr.marked else 0, len(marked), "compiles with the marker header")
    asserts.equals(env, ctx.attr.compiles if info.mode != "none" else 0, len(info.objects), "objects")
    return analysistest.end(env)

routing_test = analysistest.make(
    _routing_impl,
    attrs = {
        "absent_flags": attr.string_list(),
        "compiles": attr.int(),
        "flags": attr.string_list(),
        "marked": attr.bool(),
        "mode": attr.string(),
    },
    config_settings = {"//command_line_option:platforms": str(Label("//platforms:x86_64"))},
)

_KEY = "k" * 80

# The objects' own flag (CFLAGS_obj.o), to check where it goes.
_COPT = "-fno-schedule-insns"

# Each case: (CONFIG value, EXTMOD, init style, expected mode, compile flags
# present (@NAME@ stands for the target's name), flags absent).
_CASES = {
    "m_extmod": ("m", True, "upstream", "module", ["-DMODULE", '-DKBUILD_MODNAME="@NAME@"', "-DFIPS140_CRYPTO_OBJS_M=1"], ["-DFIPS_MODULE=1"]),
    # The seed marks =m crypto only under CONFIG_CRYPTO_FIPS140_EXTMOD.
    "m_no_extmod": ("m", False, "upstream", "module", ["-DMODULE", '-DKBUILD_MODNAME="@NAME@"'], ["-DFIPS_MODULE=1", "-DFIPS140_CRYPTO_OBJS_M=1"]),
    "n_extmod": ("n", True, "upstream", "none", [], []),
    "n_no_extmod": ("n", False, "upstream", "none", [], []),
    "y_extmod_initcalls": ("y", True, "initcalls", "fips140", ["-DMODULE", '-DKBUILD_MODNAME="fips140"', "-D__KBUILD_MODNAME=fips140", "-DFIPS_MODULE=1"], ["-DFIPS140_CRYPTO_OBJS_M=1", "-Dinit_module=__fips140_init_@NAME@"]),
    "y_extmod_upstream": ("y", True, "upstream", "fips140", ["-DMODULE", '-DKBUILD_MODNAME="fips140"', "-DFIPS_MODULE=1", "-Dinit_module=__fips140_init_@NAME@", "-Dcleanup_module=__fips140_exit_@NAME@"], []),
    "y_no_extmod": ("y", False, "upstream", "builtin", ['-DKBUILD_MODNAME="@NAME@"', '-DKBUILD_MODFILE="crypto/@NAME@"'], ["-DMODULE", "-DFIPS_MODULE=1"]),
}

def routing_test_suite(name):
    """Declares a crypto_objs and a routing test for each case.

    Args:
      name: the test_suite's name.
    """
    tests = []
    for extmod in [True, False]:
        values = {"CRYPTO_FIPS140_HMAC_KEY": _KEY, "MODULES": "y", "X86_64": "y"}
        if extmod:
            values["CRYPTO_FIPS140_EXTMOD"] = "y"
        for value in ["y", "m", "n"]:
            values["CRYPTO_OBJ_" + value.upper()] = value
        kernel_config(
            name = "%s_config_%s" % (name, "extmod" if extmod else "no_extmod"),
            src = "routing.config",
            values = values,
            tags = ["manual"],
        )
    for case, (value, extmod, style, mode, flags, absent) in _CASES.items():
        target = "%s_%s" % (name, case)
        crypto_objs(
            name = target,
            srcs = [
                "obj_core.c",
                "obj_glue.c",
            ],
            config_symbol = "CRYPTO_OBJ_" + value.upper(),
            copts = [_COPT],
            init_style = style,
            kernel = "//examples:kernel",
            kernel_config = ":%s_config_%s" % (name, "extmod" if extmod else "no_extmod"),
            tags = ["manual"],
        )
        routing_test(
            name = target + "_test",
            size = "small",
            target_under_test = ":" + target,
            mode = mode,
            compiles = 0 if mode == "none" else 2,
            flags = flags,
            absent_flags = absent,
            marked = mode == "module" and extmod,
        )
        tests.append(":" + target + "_test")
    native.test_suite(name = name, tests = tests)
