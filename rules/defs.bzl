"""Public API of rules_fips140. Everything here is re-exported from rules/private."""

load("//rules/private:kernel_config.bzl", _kernel_config = "kernel_config")
load("//rules/private:kernel_toolchain.bzl", _kernel_toolchain = "kernel_toolchain")
load(
    "//rules/private:providers.bzl",
    _KernelConfigInfo = "KernelConfigInfo",
    _KernelToolchainInfo = "KernelToolchainInfo",
)

KernelConfigInfo = _KernelConfigInfo
KernelToolchainInfo = _KernelToolchainInfo
kernel_config = _kernel_config
kernel_toolchain = _kernel_toolchain
