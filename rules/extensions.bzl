"""Module extensions of rules_fips140."""

load("//rules/private:debian.bzl", _debian = "debian")
load("//rules/private:host_tools.bzl", _kernel_tools = "kernel_tools")
load("//rules/private:kernel_config_repo.bzl", _kernel_config = "kernel_config_ext")

debian = _debian
kernel_config = _kernel_config
kernel_tools = _kernel_tools
