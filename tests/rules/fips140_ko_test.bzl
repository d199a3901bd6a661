"""Analysis tests: the argv of fips140_ko's and vmlinux_with_fips140's actions on the example."""

load("@bazel_skylib//lib:unittest.bzl", "analysistest", "asserts")
load("//rules:defs.bzl", "CryptoObjsInfo")

def _args(action):
    # The helper's arguments, without the helper itself. (Long ones go to a
    # param file when the action runs; argv shows them expanded.)
    return action.argv[1:]

def _by_mnemonic(env, mnemonic):
    return [a for a in analysistest.target_actions(env) if a.mnemonic == mnemonic]

def _basenames(paths):
    return [p.split("/")[-1] for p in paths]

def _fips140_ko_impl(ctx):
    env = analysistest.begin(ctx)

    archive = _by_mnemonic(env, "KernelArchive")
    asserts.equals(env, 1, len(archive))
    argv = _args(archive[0])
    asserts.equals(env, ["create", "-format", "thin", "-o"], argv[:4])
    asserts.equals(
        env,
        ["cipher_core.o", "rot13.o", "xor8.o", "sum16_core.o", "sum16_glue.o", "fips140_api-fips.o", "fips140-main.o"],
        _basenames(argv[5:]),
        "archive members must be in fips140_ko.objs order, the generated main last",
    )

    modposts = _by_mnemonic(env, "KernelModpost")
    asserts.equals(env, 2, len(modposts), "a -c pass for fips140 and a normal one for the =m modules")
    crypto = [a for a in modposts if "-c" in _args(a)]
    asserts.equals(env, 1, len(crypto))
    argv = _args(crypto[0])
    asserts.equals(env, "-M", argv[0])
    asserts.true(env, argv[argv.index("-o") + 1].endswith("crypto/fips140/.fips140.symvers"), "modpost -c writes .fips140.symvers")
    asserts.true(env, argv[-1].endswith("crypto/fips140/fips140.o"), "modpost -c reads fips140.o")
    normal = [a for a in modposts if "-c" not in _args(a)][0]
    inputs = [i for i in _args(normal)]
    asserts.true(env, any([i.endswith(".fips140.symvers") for i in inputs]), "the =m pass reads fips140's exports")

    partial = [a for a in _by_mnemonic(env, "KernelPartialLink") if "-composite" not in _args(a)]
    asserts.equals(env, 1, len(partial), "one initcall-level partial link: fips140.o")
    argv = _args(partial[0])
    asserts.equals(env, "partial-link", argv[0])
    asserts.true(env, argv[-1].endswith("crypto/fips140/crypto-module.a"), "fips140.o is linked from the archive")

    kos = _by_mnemonic(env, "KernelLinkModule")
    names = sorted([_args(a)[_args(a).index("-o") + 1].split("/")[-1] for a in kos])
    asserts.equals(env, ["fips140.ko", "toy_cipher.ko"], names)

    # As the seed's crypto/fips140/Makefile writes it: the one module.
    orders = [a for a in analysistest.target_actions(env) if a.mnemonic == "FileWrite" and a.outputs.to_list()[0].basename == ".fips140.order"]
    asserts.equals(env, 1, len(orders))
    asserts.equals(env, "crypto/fips140/fips140.o\n", orders[0].content)
    return analysistest.end(env)

fips140_ko_test = analysistest.make(
    _fips140_ko_impl,
    config_settings = {"//command_line_option:platforms": str(Label("//platforms:x86_64"))},
)

def _vmlinux_impl(ctx):
    env = analysistest.begin(ctx)
    hmac = _by_mnemonic(env, "Fips140Hmac")
    asserts.equals(env, 1, len(hmac))
    argv = _args(hmac[0])
    asserts.equals(env, "sign", argv[0])
    asserts.true(env, argv[argv.index("--config") + 1].endswith(".config"), "the key comes from the .config")
    asserts.true(env, argv[argv.index("--module") + 1].endswith("crypto/fips140/fips140.ko"), "the HMAC covers fips140.ko")
    embeds = sorted([_args(a)[_args(a).index("-section") + 1] for a in _by_mnemonic(env, "Fips140Embed")])
    asserts.equals(env, [".fips140_digest", ".fips140_module_data"], embeds)
    link = _by_mnemonic(env, "KernelLinkVmlinux")
    asserts.equals(env, 1, len(link))
    argv = _args(link[0])
    asserts.equals(env, "link-vmlinux", argv[0])
    asserts.true(env, argv[argv.index("-kernel-lds") + 1].endswith("vmlinux.lds"), "the kernel's own script")
    return analysistest.end(env)

vmlinux_test = analysistest.make(
    _vmlinux_impl,
    config_settings = {"//command_line_option:platforms": str(Label("//platforms:x86_64"))},
)

OBJTOOL_ARGS = ["--orc", "--retpoline", "--rethunk", "--link", "--module"]

def _objtool_impl(ctx):
    env = analysistest.begin(ctx)
    runs = _by_mnemonic(env, "KernelObjtool")
    outs = sorted([_args(a)[_args(a).index("-o") + 1].split("/")[-1] for a in runs])

    # .module-common.o is kernel_headers' action, not the module's.
    asserts.equals(env, ["fips140.mod.o", "fips140.o", "toy_cipher.mod.o", "toy_cipher.o"], outs)
    for a in runs:
        argv = _args(a)
        asserts.equals(env, "objtool", argv[0])
        asserts.true(env, argv[argv.index("-objtool") + 1].endswith("objtool.real-x86"), "the kernel's objtool")
        asserts.equals(env, ["-arg=" + x for x in OBJTOOL_ARGS], [x for x in argv if x.startswith("-arg=")], "the kernel's objtool-args, in order")
        asserts.true(env, argv[-1].endswith(".pre-objtool.o"), "objtool reads the object before objtool")

    # What the module links, and modpost reads, are objtool's outputs.
    linked = _by_mnemonic(env, "KernelPartialLink")
    asserts.true(env, all([_args(a)[_args(a).index("-o") + 1].endswith(".pre-objtool.o") for a in linked]), "partial links write the pre-objtool objects")
    kos = [a for a in _by_mnemonic(env, "KernelLinkModule") if _args(a)[_args(a).index("-o") + 1].endswith("fips140.ko")]
    inputs = _basenames(_args(kos[0])[-3:])
    asserts.equals(env, ["fips140.o", "fips140.mod.o", ".module-common.o"], inputs)
    crypto = [a for a in _by_mnemonic(env, "KernelModpost") if "-c" in _args(a)][0]
    asserts.equals(env, "fips140.o", _basenames(_args(crypto))[-1])
    return analysistest.end(env)

objtool_test = analysistest.make(
    _objtool_impl,
    config_settings = {"//command_line_option:platforms": str(Label("//platforms:x86_64"))},
)

def _dual_impl(ctx):
    env = analysistest.begin(ctx)
    embeds = {_args(a)[_args(a).index("-section") + 1]: _args(a) for a in _by_mnemonic(env, "Fips140Embed")}
    asserts.equals(env, [".fips140_digest", ".fips140_module_data", ".nonfips140_module_data"], sorted(embeds.keys()))
    certified = embeds[".fips140_module_data"]
    asserts.true(env, certified[certified.index("-in") + 1].endswith("examples/certified/crypto/fips140/fips140.ko"), "the prebuilt module is embedded as fips140")
    asserts.equals(env, "fips140", certified[certified.index("-check-module") + 1], "the prebuilt is checked to be module fips140")
    fresh = embeds[".nonfips140_module_data"]
    asserts.true(env, fresh[fresh.index("-in") + 1].endswith("examples/fips140/crypto/fips140/fips140.ko"), "the fresh module is embedded as nonfips140")
    asserts.equals(env, "nonfips140_", fresh[fresh.index("-prefix") + 1])
    hmac = _args(_by_mnemonic(env, "Fips140Hmac")[0])
    asserts.true(env, hmac[hmac.index("--module") + 1].endswith("examples/certified/crypto/fips140/fips140.ko"), "the HMAC covers the prebuilt module")
    link = _args(_by_mnemonic(env, "KernelLinkVmlinux")[0])
    asserts.true(env, "-dual" in link and "-nonfips140-ko" in link, "the link places the nonfips140 module: %s" % link)
    return analysistest.end(env)

dual_test = analysistest.make(
    _dual_impl,
    config_settings = {"//command_line_option:platforms": str(Label("//platforms:x86_64"))},
)

def _api_stubs_impl(ctx):
    env = analysistest.begin(ctx)
    target = analysistest.target_under_test(env)
    compiles = {_args(a)[_args(a).index("-o") + 1].split("/")[-1]: a.argv for a in _by_mnemonic(env, "KernelCompile")}
    asserts.equals(env, ["fips140_api-fips.o", "fips140_api-main.o"], sorted(compiles.keys()))
    fips, main = compiles["fips140_api-fips.o"], compiles["fips140_api-main.o"]
    for flag in ["-DFIPS_MODULE=1", "-DMODULE", '-DKBUILD_MODNAME="fips140"']:
        asserts.true(env, flag in fips, "the module side lacks %s: %s" % (flag, fips))
        asserts.false(env, flag in main, "the vmlinux side has %s: %s" % (flag, main))
    asserts.equals(env, fips[-3], main[-3], "both compile the same source")
    asserts.equals(env, ["fips140_api-main.o"], [f.basename for f in target.files.to_list()], "vmlinux takes the main side")
    info = target[CryptoObjsInfo]
    asserts.equals(env, "fips140", info.mode)
    asserts.equals(env, ["fips140_api-fips.o"], [f.basename for f in info.objects], "fips140 takes the module side")
    return analysistest.end(env)

api_stubs_test = analysistest.make(
    _api_stubs_impl,
    config_settings = {"//command_line_option:platforms": str(Label("//platforms:x86_64"))},
)
