"""The blobs vmlinux_with_fips140 embeds: generated from tools/internal/link.EmbeddedKinds.

Do not edit: regenerate with `go test ./tools/internal/link -run TestEmbeddedBzl -update`.
"""

visibility("//rules/private/...")

# Keyed by ldwrap flag: the input section the embed helper writes, the
# output section the placement script gathers it into, and the symbols that
# bound it.
EMBEDDED = {
    "fips140-btf": struct(
        end = "__stop_fips140_btf",
        input_section = ".fips140_btf",
        output_section = ".fips140_btf",
        start = "__start_fips140_btf",
    ),
    "fips140-hmac": struct(
        end = "_binary_fips140_hmac_end",
        input_section = ".fips140_digest",
        output_section = ".fips140_digest",
        start = "_binary_fips140_hmac_start",
    ),
    "fips140-ko": struct(
        end = "_binary_fips140_ko_end",
        input_section = ".fips140_module_data",
        output_section = ".fips140_embedded",
        start = "_binary_fips140_ko_start",
    ),
    "nonfips140-btf": struct(
        end = "__stop_nonfips140_btf",
        input_section = ".nonfips140_btf",
        output_section = ".nonfips140_btf",
        start = "__start_nonfips140_btf",
    ),
    "nonfips140-ko": struct(
        end = "_binary_nonfips140_ko_end",
        input_section = ".nonfips140_module_data",
        output_section = ".nonfips140_embedded",
        start = "_binary_nonfips140_ko_start",
    ),
}
