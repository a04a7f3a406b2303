"""The outlines a fit asks for (select/outline.py), made when first asked for or taken from the
cache, with about what each one's segment costs."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from briefpack.brief.parts import Doc, Unread
from briefpack.brief.render import Style, doc_segment
from briefpack.select.outline import outline
from briefpack.select.profile import OutlineCache
from briefpack.tokens.progress import RUN, Progress

CHARS_PER_TOKEN = 3  # code runs ~3.5-4 characters a token: this over-estimates, on purpose


class Outlines:
    """Outlines made when first asked for (or taken from the cache), with about what their
    rendered segment costs."""

    def __init__(
        self,
        docs: Mapping[str, Doc | Unread],
        style: Style,
        cache: OutlineCache | None,
        progress: Progress,
        text_of: Callable[[str], Doc],
    ) -> None:
        self.docs, self.style = docs, style
        self.cache, self.text_of = cache, text_of
        self.progress = progress
        self.told = 0  # outlines made that `progress` has not heard of yet
        self.texts: dict[str, str | None] = {}
        self.costs: dict[str, int | None] = {}
        self.problems: dict[str, str] = {}

    def cost(self, path: str) -> int | None:
        """About what the outline's segment costs, for planning (an estimate: counting each
        one alone took ~1.5 s on Django's first build; what is emitted is counted exactly)."""
        if path not in self.costs:
            text = self.text(path)
            self.costs[path] = (
                None
                if text is None
                else len(doc_segment("outlines", Doc(path, text), self.style).text)
                // CHARS_PER_TOKEN
                + 1
            )
        return self.costs[path]

    def text(self, path: str) -> str | None:
        if path not in self.texts:
            doc = self.docs[path]
            made = (
                self.cache.held(path, doc.digest)
                if isinstance(doc, Unread) and self.cache
                else None
            )
            if made is None:
                text = self.text_of(path).text
                made = self.cache.outline(path, text) if self.cache else outline(path, text)
            self.texts[path] = made.text
            if made.problem:
                self.problems[path] = made.problem
            self.told += 1
            if self.told == RUN:
                self.flush()
        return self.texts[path]

    def flush(self) -> None:
        """Tell `progress` of the outlines made since it last heard."""
        self.progress.advance(self.told)
        self.told = 0

    def doc(self, path: str) -> Doc:
        text = self.text(path)
        assert text is not None
        return Doc(path, text)
