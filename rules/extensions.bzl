"""Module extensions of rules_fips140."""

load("//rules/private:debian_package.bzl", _debian = "debian")

debian = _debian
