"""Vendor the web UI's front-end assets from their npm packages, with their licences.

The platform makes no runtime downloads (no CDN): the files the pages load are copied here
from the packages' tarballs, fetched with ``npm pack`` (which installs nothing), and a
manifest records each package's version, its registry integrity and the SHA-256 of every
file copied. ``--check`` verifies the committed files against the manifest without the
network (it runs in ``make lint``).

    python scripts/vendor_assets.py          # fetch and copy (needs the npm registry)
    python scripts/vendor_assets.py --check  # verify what is committed
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "src" / "citycarbon" / "web" / "static" / "vendor"
MANIFEST = VENDOR / "manifest.json"

# package, version, {path in the tarball: file name here}
PACKAGES: list[tuple[str, str, dict[str, str]]] = [
    (
        "echarts",
        "6.1.0",
        {
            "package/dist/echarts.min.js": "echarts.min.js",
            "package/LICENSE": "LICENSE-echarts.txt",
            "package/NOTICE": "NOTICE-echarts.txt",
            "package/licenses/LICENSE-d3": "LICENSE-echarts-d3.txt",
        },
    ),
    (
        "swagger-ui-dist",
        "5.35.0",
        {
            "package/swagger-ui-bundle.js": "swagger-ui-bundle.js",
            "package/swagger-ui.css": "swagger-ui.css",
            "package/LICENSE": "LICENSE-swagger-ui.txt",
            "package/NOTICE": "NOTICE-swagger-ui.txt",
            "package/swagger-ui-bundle.js.LICENSE.txt": "LICENSE-swagger-ui-bundle-third-party.txt",
        },
    ),
    (
        "htmx.org",
        "2.0.8",
        {
            "package/dist/htmx.min.js": "htmx.min.js",
            "package/LICENSE": "LICENSE-htmx.txt",
        },
    ),
]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fetch() -> None:
    VENDOR.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, version, files in PACKAGES:
            out = subprocess.run(
                ["npm", "pack", f"{name}@{version}", "--json", "--pack-destination", tmp],
                check=True,
                capture_output=True,
                text=True,
            )
            info = json.loads(out.stdout)[0]
            with tarfile.open(Path(tmp) / info["filename"]) as tar:
                for member, target in files.items():
                    extracted = tar.extractfile(member)
                    if extracted is None:
                        sys.exit(f"{name}@{version}: {member} missing from the tarball")
                    (VENDOR / target).write_bytes(extracted.read())
            manifest[name] = {
                "version": version,
                "integrity": info["integrity"],
                "files": {t: _sha256(VENDOR / t) for t in files.values()},
            }
    MANIFEST.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"vendored {', '.join(f'{n}@{v}' for n, v, _ in PACKAGES)} into {VENDOR}")


def check() -> int:
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    bad = [
        f"{name}: {file}"
        for name, entry in manifest.items()
        for file, digest in entry["files"].items()
        if not (VENDOR / file).exists() or _sha256(VENDOR / file) != digest
    ]
    pinned = {name: version for name, version, _ in PACKAGES}
    bad += [
        f"{name}: manifest {entry['version']} but script pins {pinned.get(name)}"
        for name, entry in manifest.items()
        if pinned.get(name) != entry["version"]
    ]
    for line in bad:
        print(f"vendored asset does not match its manifest: {line}", file=sys.stderr)
    return 1 if bad else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    if parser.parse_args().check:
        return check()
    fetch()
    return 0


if __name__ == "__main__":
    sys.exit(main())
