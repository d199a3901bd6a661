"""Providers of rules_fips140. Every field is documented; add one only with a reason."""

visibility("//rules/...")

KernelToolchainInfo = provider(
    doc = "The tools and base flags that build kernel objects for one architecture.",
    fields = {
        "arch": "The kernel's ARCH name: `x86_64` or `arm64`.",
        "build_files": "depset of Files: what `make` and the programs a kernel build runs need as inputs (empty without `make`).",
        "cc": "File: the C compiler driver (gcc or clang).",
        "cc_flags": "list of strings: flags every compile gets, e.g. clang's `--target=`.",
        "compiler": "`gcc` or `clang`.",
        "ld": "File: the linker (GNU ld.bfd or ld.lld).",
        "lld": "bool: `ld` is ld.lld rather than GNU ld (ldwrap then leaves out GNU-only flags).",
        "make": "File or None: GNU make, in a directory of every program a kernel build runs (kernel_build's PATH); None: the action's PATH.",
        "nm": "File or None: nm (GNU or llvm-nm), for a real kernel's link.",
        "objcopy": "File: objcopy (GNU or llvm-objcopy).",
        "packages": "File or None: the pinned Debian packages the tools come from (`name version pool-path sha256` lines), for provenance.",
        "pahole": "File or None: pahole, for module BTF.",
        "target_triple": "The GNU target triple, e.g. `aarch64-linux-gnu`.",
        "tool_files": "depset of Files: everything the tools need as action inputs.",
        "versions": "dict of tool name to the first line of its `--version`, as recorded when the tools were found.",
    },
)

KernelConfigInfo = provider(
    doc = "A kernel .config: its symbol values and the FIPS 140 options read from them.",
    fields = {
        "arch": "The kernel ARCH the config is for (`x86_64`, `arm64`), or None when it sets neither X86_64 nor ARM64.",
        "dual_version": "bool: CONFIG_CRYPTO_FIPS140_DUAL_VERSION=y.",
        "extmod": "bool: CONFIG_CRYPTO_FIPS140_EXTMOD=y, i.e. crypto-objs-y go into fips140.ko.",
        "extmod_source": "bool: CONFIG_CRYPTO_FIPS140_EXTMOD_SOURCE=y, i.e. a prebuilt module is embedded.",
        "file": "File: the .config itself, for actions that read it (the HMAC key).",
        "min_key_length": "int: the shortest CONFIG_CRYPTO_FIPS140_HMAC_KEY accepted; the HMAC action enforces the same minimum.",
        "values": "dict: symbol without `CONFIG_` to its value: `y`, `m`, `n`, or a string/number as written, strings unquoted.",
    },
)

KernelBuildInfo = provider(
    doc = "A kernel built by kernel_build: what its final vmlinux link (link-vmlinux.sh's steps) takes.",
    fields = {
        "aflags": "list of strings: kbuild's assembler flags, `@SRC@` and `@OBJ@` standing for `headers`' src/ and obj/ trees (for the kallsyms table).",
        "arch": "The kernel ARCH: `x86_64` or `arm64`.",
        "config": "File: the kernel's resolved .config.",
        "headers": "File (a directory): the kernel's headers tree, src/ and obj/.",
        "kallsyms": "File: the kernel's scripts/kallsyms (a host program).",
        "lds": "File: the kernel's preprocessed vmlinux.lds.",
        "link_cmd": "File: kbuild's `.vmlinux.unstripped.cmd`, which holds KBUILD_LDFLAGS and LDFLAGS_vmlinux.",
        "mksysmap": "File: the kernel's scripts/mksysmap (System.map's symbol filter).",
        "objects": "list of Files: vmlinux.o, .vmlinux.export.o and init/version-timestamp.o, in link order.",
        "sorttable": "File: the kernel's scripts/sorttable (a host program).",
    },
)

KernelHeadersInfo = provider(
    doc = "What module objects of one kernel compile and link against: headers, flags, module.lds.",
    fields = {
        "aflags": "list of strings: the kernel's assembler flags for module objects (`.S` parts; include paths as exec paths), without the per-object defines; empty when the kernel gave none, and then a `.S` part fails.",
        "arch": "The kernel ARCH: `x86_64` or `arm64`.",
        "cflags": "list of strings: the kernel's compile flags for module objects (include paths as exec paths), without the per-object defines.",
        "external_modules": "bool: modules built against these headers are external (kbuild's `M=`): modpost runs with `-e`.",
        "genksyms": "File or None: the kernel's scripts/genksyms/genksyms (a host program), which versions module exports on a CONFIG_MODVERSIONS kernel.",
        "hdrs": "depset of Files: every header and file the compile flags refer to.",
        "module_common_o": "File: `.module-common.o`, compiled from the kernel's module-common.c, linked into every .ko.",
        "module_lds": "File: the kernel's module linker script.",
        "objtool": "File or None: the kernel's objtool (exec-configured). When set, it runs on every linked module object, `.mod.o` and `.module-common.o`.",
        "objtool_args": "list of strings: objtool's arguments for module objects, with `--link --module`.",
        "resolve_btfids": "File or None: the kernel's resolve_btfids (exec-configured, `tools/bpf/resolve_btfids/resolve_btfids`). With pahole, it makes BTF: vmlinux's own and the fips140 module's (CONFIG_DEBUG_INFO_BTF_MODULES).",
        "symvers": "File or None: vmlinux's Module.symvers.",
        "symvers_complete": "bool: symvers lists every symbol the kernel exports, so fips140's modpost pass (`-c`) reports a symbol it lacks, as the module could not load.",
    },
)

CryptoObjsInfo = provider(
    doc = "One `crypto-objs-$(CONFIG_X) += name.o` entry, routed by the kernel config.",
    fields = {
        "config_symbol": "The X of `crypto-objs-$(CONFIG_X)`, without `CONFIG_`.",
        "init_style": "`upstream` (module_init; the parts' init_module/cleanup_module are renamed and called by a generated main), `initcalls` (the seed's crypto_module_init and friends, in .fips_initcallN sections) or `none` (no init of its own, as crypto_api_stubs).",
        "mode": "`fips140` (=y with CRYPTO_FIPS140_EXTMOD: part of fips140.ko), `builtin` (=y without it), `module` (=m) or `none` (=n).",
        "name": "The object's name (`name.o` in kbuild).",
        "objects": "list of Files: the compiled parts in link order, ready to link (for `fips140`, with their init/exit renamed when init_style is `upstream`; for `module`, compiled as module `name` with the FIPS 140 marker). fips140_ko links the `module` ones into `name.ko`.",
        "symversions": "list of Files: with CONFIG_MODVERSIONS, each object's `.<stem>.o.cmd` beside it, holding genksyms' `#SYMVER` lines (empty without exports), which modpost -m reads through the module's `.mod` file; else empty.",
    },
)

Fips140ModuleInfo = provider(
    doc = "A built fips140.ko and the `=m` crypto modules built beside it.",
    fields = {
        "arch": "The kernel ARCH the module is for.",
        "crypto_modules": "list of Files: the `=m` crypto modules (`crypto/<name>.ko`), each marked with `.fips140_crypto_marker` when the config sets CRYPTO_FIPS140_EXTMOD.",
        "kernel": "KernelHeadersInfo: the kernel the module was built against; vmlinux_with_fips140 takes its resolve_btfids for module BTF.",
        "ko": "File: `crypto/fips140/fips140.ko`, the bytes the HMAC covers.",
        "order": "File: `crypto/fips140/.fips140.order`, as the seed writes it: the module list of fips140's modpost pass, `crypto/fips140/fips140.o`.",
        "symvers": "File: `crypto/fips140/.fips140.symvers`, fips140's exports (without vmlinux's), from modpost -c.",
    },
)
