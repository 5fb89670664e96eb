"""A forgiving first pass over calendar text: unfolded lines with numbers, components, and garbage."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_CONTENT_LINE = re.compile(
    r'^[A-Za-z0-9-]+(?:;[A-Za-z0-9-]+=(?:"[^"]*"|[^";:,]*)(?:,(?:"[^"]*"|[^";:,]*))*)*:'
)


@dataclass(frozen=True)
class Line:
    """One unfolded content line and the number of its first physical line (from 1)."""

    number: int
    text: str


@dataclass
class Block:
    """One component directly inside VCALENDAR (VEVENT, VTIMEZONE ...) as its unfolded lines."""

    name: str
    line: int
    lines: list[Line] = field(default_factory=list)
    garbage: list[Line] = field(default_factory=list)
    complete: bool = False

    def ical(self) -> str:
        """The component's text, ready for ``icalendar``; an unterminated block gets its END."""
        texts = [line.text for line in self.lines]
        if not self.complete:
            texts.append(f"END:{self.name}")
        return "\r\n".join(texts) + "\r\n"

    def value_of(self, name: str) -> str | None:
        """The raw value of the block's own first property ``name`` (e.g. UID), if any."""
        for line in self.lines[1:]:
            head, _, value = line.text.partition(":")
            if head.split(";", 1)[0].upper() == name:
                return value
        return None

    def line_of(self, name: str) -> int | None:
        """The line number of the block's own first property ``name``, if any."""
        for line in self.lines[1:]:
            if line.text.partition(":")[0].split(";", 1)[0].upper() == name:
                return line.number
        return None


@dataclass
class Scan:
    """What the first pass found: whether it is a calendar, its components, and unreadable lines."""

    is_calendar: bool = False
    blocks: list[Block] = field(default_factory=list)
    garbage: list[Line] = field(default_factory=list)


def unfold(text: str) -> list[Line]:
    """Split ``text`` into content lines, joining folded continuation lines (RFC 5545 §3.1)."""
    lines: list[Line] = []
    for number, physical in enumerate(re.split(r"\r\n|\n|\r", text), start=1):
        if physical[:1] in (" ", "\t") and lines:
            lines[-1] = Line(lines[-1].number, lines[-1].text + physical[1:])
        elif physical.strip():
            lines.append(Line(number, physical))
    return lines


def scan(data: bytes) -> Scan:
    """Read ``data`` into components, setting aside lines that are not content lines."""
    text = data.decode("utf-8", errors="replace").lstrip("\ufeff")
    result = Scan()
    current: Block | None = None
    depth = 0
    for line in unfold(text):
        if not _CONTENT_LINE.match(line.text):
            (current.garbage if current else result.garbage).append(line)
            continue
        keyword, value = _begin_or_end(line.text)
        if current is None:
            if keyword == "BEGIN" and value == "VCALENDAR":
                result.is_calendar = True
            elif keyword == "BEGIN":
                current = Block(value, line.number, [line])
                result.blocks.append(current)
                depth = 1
            continue
        if _interrupts(current, keyword, value):
            current = None
            if keyword == "BEGIN":
                current = Block(value, line.number, [line])
                result.blocks.append(current)
                depth = 1
            continue
        current.lines.append(line)
        if keyword == "BEGIN":
            depth += 1
        elif keyword == "END":
            depth -= 1
            if depth == 0:
                current.complete = value == current.name
                current = None
    return result


def _interrupts(block: Block, keyword: str | None, value: str) -> bool:
    """Whether a line ends ``block`` early: a new component of its kind, or the calendar's END."""
    return (keyword == "BEGIN" and value == block.name) or (keyword == "END" and value == "VCALENDAR")


def _begin_or_end(text: str) -> tuple[str | None, str]:
    head, _, value = text.partition(":")
    keyword = head.upper()
    if keyword in ("BEGIN", "END"):
        return keyword, value.strip().upper()
    return None, ""
