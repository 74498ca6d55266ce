"""Files that go wrong, built for real in a temporary folder: each with the reason it must be skipped.

A value of ``None`` means the file is awkward but fine and must be indexed.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from pypdf import PdfWriter

from tests import samples

#: Every bad input: file name -> a word its one-line reason must contain (None: must be indexed).
EXPECTED: dict[str, str | None] = {
    "locked.pdf": "encrypted",
    "truncated.pdf": "truncated",
    "scan.pdf": "no text layer",
    "empty.txt": "empty",
    "blank.md": "empty",
    "junk.md": "binary",
    "huge.txt": "MB limit",
    "bomb.docx": "zip bomb",
    "truncated.docx": "not a valid .docx",
    "link-out.txt": "outside",
    "folder-out": "outside",
    "loop.md": "loops",
    "dangling.md": "broken",
    "pipe.md": "not a regular file",
    "caf\\xe9-name.md": "not valid UTF-8",
    "broken-front.md": "front matter",
    "unclosed-front.md": "never closes",
    "only-front.md": "no text",
    "utf16.txt": None,
    "latin1.md": None,
    "nested.html": None,
    "yaml-alias-bomb.md": None,
    "Fiche élève – sortie scolaire v2.md": None,
    "notes with spaces.txt": None,
}

#: A bomb's inflated size: the archive itself stays a few MB.
BOMB_BYTES = 2 * 1024**3


def zip_bomb_docx(path: Path, inflated: int = BOMB_BYTES) -> Path:
    """A .docx whose document.xml inflates to ``inflated`` bytes of zeros (fast to build)."""
    block = bytes(1 << 20)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            for _ in range(inflated // len(block)):
                member.write(block)
    return path


def encrypted_pdf(path: Path, scratch: Path) -> Path:
    """A text PDF locked with a user password by pypdf's writer."""
    plain = samples.multipage_pdf(scratch / "plain-for-lock.pdf")
    writer = PdfWriter(clone_from=str(plain))
    writer.encrypt(user_password="pw", owner_password="owner")
    writer.write(str(path))
    return path


YAML_ALIAS_BOMB = (
    "---\na: &a [x, x, x, x, x, x, x, x, x]\n"
    + "".join(
        f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]\n" for prev, name in zip("abcdefg", "bcdefgh", strict=True)
    )
    + "title: [*h, *h, *h, *h, *h, *h, *h, *h, *h]\n---\n# Alias Bomb Notes\n\nThe body is fine.\n"
)


def build(hub: Path, outside: Path) -> None:
    """Write every file of ``EXPECTED`` into ``hub``; ``outside`` is a folder beside it."""
    outside.mkdir(exist_ok=True)
    (outside / "secret.txt").write_text("Outside\n\nprivate notes that must not be indexed\n")
    encrypted_pdf(hub / "locked.pdf", outside)
    whole = samples.multipage_pdf(outside / "whole.pdf").read_bytes()
    (hub / "truncated.pdf").write_bytes(whole[: len(whole) // 2])
    samples.scanned_pdf(hub / "scan.pdf")
    (hub / "empty.txt").write_bytes(b"")
    (hub / "blank.md").write_text("  \n\n\t\n")
    (hub / "junk.md").write_bytes(os.urandom(4096))
    (hub / "huge.txt").write_text("Recess rules are posted by the door. " * (50 * 1024 * 1024 // 37 + 1))
    zip_bomb_docx(hub / "bomb.docx")
    docx = samples.docx_file(outside / "whole.docx").read_bytes()
    (hub / "truncated.docx").write_bytes(docx[: len(docx) // 2])
    (hub / "link-out.txt").symlink_to(outside / "secret.txt")
    (hub / "folder-out").symlink_to(outside, target_is_directory=True)
    (hub / "loop.md").symlink_to(hub / "loop.md")
    (hub / "dangling.md").symlink_to(hub / "no-such-file.md")
    os.mkfifo(hub / "pipe.md")
    (hub / os.fsdecode(b"caf\xe9-name.md")).write_text("# Cafe\n\nA Latin-1 file name.\n")
    (hub / "broken-front.md").write_text("---\ntitle: [unclosed\naudience: teacher\n---\n# T\n\nBody.\n")
    (hub / "unclosed-front.md").write_text("---\ntitle: Never closed\n\n# T\n\nBody.\n")
    (hub / "only-front.md").write_text("---\ntitle: Only metadata\n---\n")
    (hub / "utf16.txt").write_bytes("Cantine rules\n\nLunch is served at 11:40 in the café.\n".encode("utf-16"))
    (hub / "latin1.md").write_bytes(
        "# Règles du goûter\n\nLe goûter est servi à 10 h, élèves assis.\n".encode("latin-1")
    )
    nested = 60_000
    (hub / "nested.html").write_text(
        "<html><head><title>Deep Page</title></head><body>"
        + "<div>" * nested
        + "<p>Bus duty starts at 7:45 at the north gate.</p>"
        + "</div>" * nested
        + "</body></html>"
    )
    (hub / "yaml-alias-bomb.md").write_text(YAML_ALIAS_BOMB)
    (hub / "Fiche élève – sortie scolaire v2.md").write_text(
        "# Sortie scolaire\n\nLes élèves rendent l'autorisation signée une semaine avant la sortie.\n"
    )
    (hub / "notes with spaces.txt").write_text("Staff notes\n\nThe staff meeting moved to Thursday.\n")
