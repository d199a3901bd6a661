"""Module extensions of rules_fips140."""

load("//rules/private:debian_package.bzl", _debian = "debian")
load("//rules/private:host_tools.bzl", _kernel_tools = "kernel_tools")

debian = _debian
kernel_tools = _kernel_tools
