"""Cache files folio can trust: sealed with a key only this user's folio has.

In: the bytes of a cache record folio writes (a chapter's AST, a laid-out part's record, the
last build's record). Out (`seal`): the same bytes with a seal, an HMAC-SHA256 under a random
key kept in the user's cache folder (`$XDG_CACHE_HOME/folio/seal.key`, else `~/.cache`),
outside any book; (`unseal`) the bytes again, or None when the seal does not match.

The cache usually sits inside the book folder (`dist/.folio-cache`), and a book is untrusted:
it may ship a cache of its own with a forged AST (its text would go into the outputs) or a
forged build record (folio would keep the shipped PDF and build nothing). A plain hash
would not help, since whoever forges the record can compute it; a record sealed under
another key, edited or cut short reads as missing, and what it held is made again.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

_MARK = b"\nfolio-seal:"
_KEY: list[bytes] = []


def key_file() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "folio" / "seal.key"


def _key() -> bytes:
    if not _KEY:
        path = key_file()
        try:
            _KEY.append(path.read_bytes())
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:  # another folio made it meanwhile
                _KEY.append(path.read_bytes())
            else:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(secrets.token_bytes(32))
                _KEY.append(path.read_bytes())
        if len(_KEY[0]) < 32:
            raise OSError(f"{path} is not a folio seal key (it should hold 32 random bytes; delete it to make a new one)")
    return _KEY[0]


def _mac(data: bytes) -> bytes:
    return hmac.new(_key(), data, hashlib.sha256).hexdigest().encode("ascii")


def seal(data: bytes) -> bytes:
    return data + _MARK + _mac(data)


def unseal(sealed: bytes) -> bytes | None:
    """The data, when its seal is this user's; None for anything else."""
    data, mark, mac = sealed.rpartition(_MARK)
    if not mark or not hmac.compare_digest(mac, _mac(data)):
        return None
    return data


def digest(data: bytes) -> str:
    """The SHA-256 of a file a sealed record vouches for (a part's PDF)."""
    return hashlib.sha256(data).hexdigest()
