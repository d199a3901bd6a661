"""Analysis tests: the argv of vmlinux_with_fips140's module BTF flow."""

load("@bazel_skylib//lib:unittest.bzl", "analysistest", "asserts")

def _args(action):
    return action.argv[1:]

def _by_mnemonic(env, mnemonic):
    return [a for a in analysistest.target_actions(env) if a.mnemonic == mnemonic]

def _value(argv, flag):
    return argv[argv.index(flag) + 1]

def _flow_impl(ctx):
    env = analysistest.begin(ctx)
    name = analysistest.target_under_test(env).label.name

    # Four links, each placing the BTF section: per link-vmlinux.sh run, one
    # without vmlinux's .BTF and one with it; the relink's two carry the
    # module BTF object.
    links = {}
    for a in _by_mnemonic(env, "KernelLinkVmlinux"):
        argv = _args(a)
        asserts.equals(env, "link-vmlinux", argv[0])
        asserts.true(env, "-btf" in argv, "every link places .fips140_btf")
        links[_value(argv, "-o").split("/")[-1]] = argv
    asserts.equals(env, sorted([".tmp_vmlinux.first", "vmlinux.first", ".tmp_vmlinux.relinked", "vmlinux.relinked"]), sorted(links.keys()))
    for out, argv in links.items():
        relink = "relinked" in out
        asserts.equals(env, relink, "-fips140-btf" in argv, "only the relink embeds the module BTF: " + out)
        if relink:
            asserts.true(env, _value(argv, "-fips140-btf").endswith("/crypto/fips140/fips140_btf.o"))
        vmlinux_btf = [i for i in argv if i.endswith(".btf.o")]
        asserts.equals(env, [] if out.startswith(".tmp_") else [".tmp_%s.btf.o" % out], [i.split("/")[-1] for i in vmlinux_btf], "vmlinux's own .BTF object: " + out)

    encodes = sorted([_value(_args(a), "-elf").split("/")[-1] for a in _by_mnemonic(env, "VmlinuxBTF")])
    asserts.equals(env, [".tmp_vmlinux.first", ".tmp_vmlinux.relinked"], encodes)

    splits = _by_mnemonic(env, "ModuleBTF")
    asserts.equals(env, 1, len(splits))
    argv = _args(splits[0])
    asserts.equals(env, "split", argv[0])
    asserts.true(env, _value(argv, "-module").endswith("/crypto/fips140/fips140.ko"), "the BTF of fips140.ko")
    asserts.true(env, _value(argv, "-base").endswith(name + "/vmlinux.first"), "against the first link")
    asserts.equals(env, ".fips140_btf", _value(argv, "-section"))
    asserts.true(env, "pahole" in _value(argv, "-pahole"))
    asserts.true(env, _value(argv, "-resolve-btfids").endswith("resolve_btfids"))

    checks = _by_mnemonic(env, "ModuleBTFCheck")
    asserts.equals(env, 1, len(checks))
    argv = _args(checks[0])
    asserts.equals(env, "check", argv[0])
    asserts.true(env, _value(argv, "-first-base").endswith(name + "/vmlinux.first"))
    asserts.true(env, _value(argv, "-base").endswith(name + "/vmlinux.relinked"))
    asserts.true(env, _value(argv, "-o").endswith(name + "/vmlinux"), "the check writes the rule's vmlinux")
    asserts.equals(env, ctx.attr.strict, "-strict" in argv)
    asserts.equals(env, "fips140", argv[-3])
    asserts.true(env, argv[-2].endswith("/crypto/fips140/fips140.ko") and argv[-1].endswith("/crypto/fips140/.fips140.ko.btf"))
    return analysistest.end(env)

btf_flow_test = analysistest.make(
    _flow_impl,
    attrs = {"strict": attr.bool()},
    config_settings = {"//command_line_option:platforms": str(Label("//platforms:x86_64"))},
)
