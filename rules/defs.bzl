"""Public API of rules_fips140. Everything here is re-exported from rules/private."""

load("//rules/private:kernel_toolchain.bzl", _kernel_toolchain = "kernel_toolchain")
load("//rules/private:providers.bzl", _KernelToolchainInfo = "KernelToolchainInfo")

KernelToolchainInfo = _KernelToolchainInfo
kernel_toolchain = _kernel_toolchain
