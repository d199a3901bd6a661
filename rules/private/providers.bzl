"""Providers of rules_fips140. Every field is documented; add one only with a reason."""

KernelToolchainInfo = provider(
    doc = "The tools and base flags that build kernel objects for one architecture.",
    fields = {
        "arch": "The kernel's ARCH name: `x86_64` or `arm64`.",
        "cc": "File: the C compiler driver (gcc or clang).",
        "cc_flags": "list of strings: flags every compile gets, e.g. clang's `--target=`.",
        "compiler": "`gcc` or `clang`.",
        "ld": "File: the linker (GNU ld.bfd or ld.lld).",
        "ld_flags": "list of strings: the architecture's linker flags, e.g. `-m elf_x86_64`.",
        "objcopy": "File: objcopy (GNU or llvm-objcopy).",
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
        "values": "dict: symbol without `CONFIG_` to its value: `y`, `m`, `n`, or a string/number as written, strings unquoted.",
    },
)
