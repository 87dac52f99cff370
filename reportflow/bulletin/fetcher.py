"""What WeasyPrint may fetch while it renders a bulletin: nothing from the network.

A bulletin is built from text counties send (file names, reasons). Autoescaping keeps that
text from becoming markup, but should anything ever reach the page as a URL (an image, a
stylesheet, ``url()`` in CSS), WeasyPrint's default fetcher would request it over HTTP or
read any local file, leaking the server's files into a PDF or pinging an outside host.

:class:`BulletinFetcher` allows ``data:`` URLs and ``file:`` URLs that resolve (symlinks
followed) inside the bulletin's own folder or the system font folder; every other URL is
refused with :class:`RefusedURL`, which WeasyPrint reports as a warning and renders around.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint.urls import URLFetcher

#: Where fonts live on Debian (fonts-noto-cjk); a @font-face may point there.
FONT_DIRS: tuple[Path, ...] = (Path("/usr/share/fonts"),)


class RefusedURL(ValueError):
    """A URL the bulletin renderer will not fetch."""


class BulletinFetcher(URLFetcher):
    """A WeasyPrint URL fetcher confined to ``data:`` and files under the allowed folders."""

    def __init__(self, allowed_dirs: Sequence[Path]) -> None:
        super().__init__(allowed_protocols=("data", "file"), allow_redirects=False)
        self.allowed_dirs = tuple(d.resolve() for d in (*allowed_dirs, *FONT_DIRS))
        self.refused: list[str] = []

    def allows(self, url: str) -> bool:
        """True for a ``data:`` URL or a local file inside an allowed folder."""
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme == "data":
            return True
        if scheme != "file" or parts.netloc not in ("", "localhost"):
            return False
        path = Path(unquote(parts.path)).resolve()
        return any(path.is_relative_to(folder) for folder in self.allowed_dirs)

    def fetch(self, url: str, headers: dict | None = None):  # type: ignore[no-untyped-def]
        """Fetch an allowed URL with WeasyPrint's own machinery; refuse (and note) the rest."""
        if not self.allows(url):
            self.refused.append(url)
            raise RefusedURL(f"bulletin rendering does not fetch {url}")
        return super().fetch(url, headers)
