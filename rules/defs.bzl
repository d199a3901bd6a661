"""Public API of rules_fips140. Everything here is re-exported from rules/private."""

load("//rules/private:crypto_api_stubs.bzl", _crypto_api_stubs = "crypto_api_stubs")
load("//rules/private:crypto_objs.bzl", _crypto_objs = "crypto_objs")
load("//rules/private:fips140_ko.bzl", _fips140_ko = "fips140_ko")
load("//rules/private:kernel_build.bzl", _kernel_build = "kernel_build")
load("//rules/private:kernel_config.bzl", _kernel_config = "kernel_config")
load("//rules/private:kernel_headers.bzl", _kernel_headers = "kernel_headers")
load("//rules/private:kernel_object.bzl", _kernel_object = "kernel_object")
load("//rules/private:kernel_toolchain.bzl", _kernel_toolchain = "kernel_toolchain")
load(
    "//rules/private:providers.bzl",
    _CryptoObjsInfo = "CryptoObjsInfo",
    _Fips140ModuleInfo = "Fips140ModuleInfo",
    _KernelBuildInfo = "KernelBuildInfo",
    _KernelConfigInfo = "KernelConfigInfo",
    _KernelHeadersInfo = "KernelHeadersInfo",
    _KernelToolchainInfo = "KernelToolchainInfo",
)
load("//rules/private:vmlinux_with_fips140.bzl", _vmlinux_with_fips140 = "vmlinux_with_fips140")

CryptoObjsInfo = _CryptoObjsInfo
Fips140ModuleInfo = _Fips140ModuleInfo
KernelBuildInfo = _KernelBuildInfo
KernelConfigInfo = _KernelConfigInfo
KernelHeadersInfo = _KernelHeadersInfo
KernelToolchainInfo = _KernelToolchainInfo
crypto_api_stubs = _crypto_api_stubs
crypto_objs = _crypto_objs
fips140_ko = _fips140_ko
kernel_build = _kernel_build
kernel_config = _kernel_config
kernel_headers = _kernel_headers
kernel_object = _kernel_object
kernel_toolchain = _kernel_toolchain
vmlinux_with_fips140 = _vmlinux_with_fips140
