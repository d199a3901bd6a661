"""A repository rule that fetches pinned Debian packages and unpacks them.

The mirror is never written in the repository: it is read at fetch time from
the host's apt sources (or RULES_FIPS140_DEBIAN_MIRROR), and the package is
pinned by its pool path and sha256, so any mirror serves the same bytes.
"""

visibility("//rules/...")

_MIRROR_ENV = "RULES_FIPS140_DEBIAN_MIRROR"

def _words(line):
    return [w for w in line.replace("\t", " ").split(" ") if w]

def _uri_is_usable(uri):
    return "://" in uri and "security" not in uri

def debian_mirror(rctx, required = True):
    """Returns the Debian mirror's base URL, read from the host's apt sources.

    Args:
      rctx: the repository_ctx.
      required: fail when none is found (else return "").

    Returns:
      The URL, without a trailing slash.
    """
    override = rctx.os.environ.get(_MIRROR_ENV, "")
    if override:
        return override.rstrip("/")
    deb822 = rctx.path("/etc/apt/sources.list.d/debian.sources")
    if deb822.exists:
        for line in rctx.read(deb822).splitlines():
            if line.startswith("URIs:"):
                for uri in _words(line[len("URIs:"):]):
                    if _uri_is_usable(uri):
                        return uri.rstrip("/")
    one_line = rctx.path("/etc/apt/sources.list")
    if one_line.exists:
        for line in rctx.read(one_line).splitlines():
            fields = _words(line)
            if not fields or fields[0] != "deb":
                continue
            for field in fields[1:]:
                if _uri_is_usable(field):
                    return field.rstrip("/")
    if not required:
        return ""
    fail("no Debian mirror found: /etc/apt/sources.list.d/debian.sources and /etc/apt/sources.list name none; set --repo_env=%s=URL" % _MIRROR_ENV)

# Debian's snapshot archive: every file the archive ever held, by the time
# it was there. Pins name it as their fallback (docs/design.md, "Pins").
SNAPSHOT_ARCHIVE = "https://snapshot.debian.org/archive/debian"

SNAPSHOT_DOC = "The Debian snapshot archive timestamp (`20261031T000000Z`) at which every package was in the archive: each is also fetched from `%s/<snapshot>/<pool path>` when the mirror no longer has it. `./bazelw run //tools/repin` sets it." % SNAPSHOT_ARCHIVE

def deb_name_version(path):
    """Reads a pool path's `<name>_<version>_<arch>.deb`.

    Args:
      path: the pool path.

    Returns:
      (package name, version).
    """
    fields = path.split("/")[-1].removesuffix(".deb").split("_")
    if len(fields) != 3:
        return path, "(unknown version)"
    return fields[0], fields[1]

def deb_urls(rctx, path, snapshot):
    """The URLs of one pinned package: the mirror's, then the snapshot archive's.

    Args:
      rctx: the repository_ctx.
      path: the pool path.
      snapshot: a snapshot archive timestamp (`20261031T000000Z`), or "".

    Returns:
      A list of URLs; without a mirror (no apt sources name one), only the snapshot's.
    """
    urls = []
    mirror = debian_mirror(rctx, required = not snapshot)
    if mirror:
        urls.append("%s/%s" % (mirror, path))
    if snapshot:
        urls.append("%s/%s/%s" % (SNAPSHOT_ARCHIVE, snapshot, path))
    return urls

def fetch_debs(rctx, packages, strip_prefix = "", snapshot = ""):
    """Downloads pinned packages and unpacks their data into the repository.

    A package that no URL serves with its sha256 fails the fetch with one
    message naming it, its version and the command that moves the pins.

    Args:
      rctx: the repository_ctx.
      packages: dict of pool path to sha256.
      strip_prefix: a directory prefix to strip from every package's files.
      snapshot: the snapshot archive timestamp the pins were taken at, or "".
    """
    for filename, sha256 in sorted(packages.items()):
        urls = deb_urls(rctx, filename, snapshot)
        result = rctx.download_and_extract(
            url = urls,
            sha256 = sha256,
            type = "deb",
            output = "_deb",
            allow_fail = True,
        )
        if not result.success:
            name, version = deb_name_version(filename)
            fail("%s: Debian package %s version %s (sha256 %s) could not be fetched from %s; sid has likely moved past it. Run `./bazelw run //tools/repin` to pin the mirror's current versions%s." % (
                rctx.name,
                name,
                version,
                sha256,
                " or ".join(urls),
                "" if snapshot else ", or give the pin a `snapshot` timestamp to fetch it from Debian's snapshot archive",
            ))
        data = [f for f in rctx.path("_deb").readdir() if f.basename.startswith("data.tar")]
        if len(data) != 1:
            fail("%s: expected one data.tar.* member in the package, found %d" % (filename, len(data)))
        rctx.extract(data[0], stripPrefix = strip_prefix)
        rctx.delete("_deb")

def _debian_packages_impl(rctx):
    fetch_debs(rctx, rctx.attr.packages, rctx.attr.strip_prefix, rctx.attr.snapshot)
    if rctx.attr.archive:
        _extract_members(rctx)
    elif rctx.attr.archive_members or rctx.attr.archive_prefix:
        fail("%s: archive_members and archive_prefix need archive" % rctx.name)
    rctx.file("ROOT", "")
    rctx.file("BUILD.bazel", rctx.attr.build_file_content or _DEFAULT_BUILD)

def _extract_members(rctx):
    """Replaces the unpacked tree's `archive` by the listed members of it."""
    archive = rctx.path(rctx.attr.archive)
    if not archive.exists:
        fail("%s: the packages hold no %s" % (rctx.name, rctx.attr.archive))
    if not rctx.attr.archive_members:
        fail("%s: archive %s is given without archive_members" % (rctx.name, rctx.attr.archive))
    prefix = rctx.attr.archive_prefix.strip("/")
    members = ["%s/%s" % (prefix, m) if prefix else m for m in rctx.attr.archive_members]
    tar = rctx.which("tar")
    if not tar:
        fail("%s: extracting members of %s needs tar on PATH" % (rctx.name, rctx.attr.archive))
    args = [tar, "-xf", str(archive), "-C", str(rctx.path(".")), "--no-same-owner"]
    if prefix:
        args.append("--strip-components=%d" % len(prefix.split("/")))
    result = rctx.execute(args + ["--"] + members, timeout = 1200)
    if result.return_code != 0:
        fail("%s: extracting archive_members from %s failed:\n%s%s" % (rctx.name, rctx.attr.archive, result.stdout, result.stderr))
    rctx.delete(archive)

_DEFAULT_BUILD = """\
filegroup(
    name = "files",
    srcs = glob(["**"], exclude = ["BUILD.bazel", "REPO.bazel"]),
    visibility = ["//visibility:public"],
)

exports_files(glob(["**"], exclude = ["BUILD.bazel", "REPO.bazel"]))
"""

debian_packages = repository_rule(
    implementation = _debian_packages_impl,
    doc = """Fetches Debian packages, each pinned by pool path and sha256, and unpacks their
data into one tree (so that symlinks between them, such as the kernel headers'
links into linux-kbuild, resolve). An empty file `ROOT` marks the tree's top.

With `archive`, a tarball the packages carry (linux-source's kernel tarball)
is opened at fetch time with the host's tar and only `archive_members` are
kept from it.""",
    attrs = {
        "archive": attr.string(doc = "A tarball inside the unpacked tree (after `strip_prefix`), such as linux-source's kernel tarball: only its `archive_members` are extracted, into the tree's top, and the tarball is deleted."),
        "archive_members": attr.string_list(doc = "The files (or whole directories) to extract from `archive`, relative to `archive_prefix`."),
        "archive_prefix": attr.string(doc = "The directory all of `archive`'s members are under; it is stripped."),
        "build_file_content": attr.string(doc = "The repository's BUILD.bazel; by default every file is exported and grouped in `:files`."),
        "packages": attr.string_dict(mandatory = True, doc = "Each package's path on the mirror (`pool/main/...deb`) to its sha256."),
        "snapshot": attr.string(doc = SNAPSHOT_DOC),
        "strip_prefix": attr.string(doc = "A directory prefix to strip from every package's files."),
    },
    environ = [_MIRROR_ENV],
)
