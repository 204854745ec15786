"""The part of RFC 8941 Structured Field Values that signatures and digests need.

Parses and serializes Dictionaries whose members are Items or Inner Lists, with Parameters; bare
items are Integers, Strings, Tokens, Byte Sequences and Booleans (no Decimals, Dates or Display
Strings). Parsing follows the algorithms of RFC 8941 §4.2 and raises `ValueError` on bad input.
"""

from __future__ import annotations

import base64
import binascii
import re
import string
from dataclasses import dataclass, field


class Token(str):
    """An sf-token (unquoted), distinct from an sf-string (quoted)."""


BareItem = int | str | Token | bytes | bool
Parameters = dict[str, BareItem]


@dataclass(frozen=True)
class Item:
    """A bare item with its parameters."""

    value: BareItem
    params: Parameters = field(default_factory=dict)


@dataclass(frozen=True)
class InnerList:
    """A parenthesised list of items, with parameters of its own."""

    items: tuple[Item, ...]
    params: Parameters = field(default_factory=dict)


Member = Item | InnerList

_KEY_START = string.ascii_lowercase + "*"
_KEY_CHARS = _KEY_START + string.digits + "_-."
_TOKEN_START = string.ascii_letters + "*"
_TOKEN_CHARS = _TOKEN_START + string.digits + "!#$%&'+-.^_`|~:/"
_BASE64_RE = re.compile(r"[A-Za-z0-9+/]*=*")
_INTEGER_RE = re.compile(r"-?[0-9]{1,15}")


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def skip(self, chars: str) -> None:
        while self.peek() and self.peek() in chars:
            self.pos += 1

    def expect(self, char: str) -> None:
        if self.peek() != char:
            raise ValueError(f"expected {char!r} at position {self.pos} of {self.text!r}")
        self.pos += 1

    def dictionary(self) -> dict[str, Member]:
        members: dict[str, Member] = {}
        self.skip(" ")
        while self.peek():
            key = self.key()
            if self.peek() == "=":
                self.pos += 1
                members[key] = self.item_or_inner_list()
            else:
                members[key] = Item(True, self.parameters())
            self.skip(" \t")
            if not self.peek():
                break
            self.expect(",")
            self.skip(" \t")
            if not self.peek():
                raise ValueError("trailing comma in dictionary")
        return members

    def item_or_inner_list(self) -> Member:
        if self.peek() != "(":
            return self.item()
        self.pos += 1
        items: list[Item] = []
        while True:
            self.skip(" ")
            if self.peek() == ")":
                self.pos += 1
                return InnerList(tuple(items), self.parameters())
            items.append(self.item())
            if self.peek() not in (" ", ")"):
                raise ValueError(f"unterminated inner list in {self.text!r}")

    def item(self) -> Item:
        value = self.bare_item()
        return Item(value, self.parameters())

    def parameters(self) -> Parameters:
        params: Parameters = {}
        while self.peek() == ";":
            self.pos += 1
            self.skip(" ")
            key = self.key()
            value: BareItem = True
            if self.peek() == "=":
                self.pos += 1
                value = self.bare_item()
            params[key] = value
        return params

    def key(self) -> str:
        if not self.peek() or self.peek() not in _KEY_START:
            raise ValueError(f"expected a key at position {self.pos} of {self.text!r}")
        start = self.pos
        self.skip(_KEY_CHARS)
        return self.text[start:self.pos]

    def bare_item(self) -> BareItem:
        char = self.peek()
        if char == "-" or (char.isdigit() and char.isascii()):
            return self.integer()
        if char == '"':
            return self.string()
        if char and char in _TOKEN_START:
            start = self.pos
            self.pos += 1
            self.skip(_TOKEN_CHARS)
            return Token(self.text[start:self.pos])
        if char == ":":
            return self.byte_sequence()
        if char == "?":
            self.pos += 1
            flag = self.peek()
            if flag not in ("0", "1"):
                raise ValueError("invalid boolean")
            self.pos += 1
            return flag == "1"
        raise ValueError(f"unexpected {char!r} at position {self.pos} of {self.text!r}")

    def integer(self) -> int:
        match = _INTEGER_RE.match(self.text, self.pos)
        if not match:
            raise ValueError("invalid integer")
        self.pos = match.end()
        if self.peek() == "." or self.peek().isdigit():
            raise ValueError("decimals and integers over 15 digits are not supported")
        return int(match.group())

    def string(self) -> str:
        self.pos += 1
        chars: list[str] = []
        while True:
            char = self.peek()
            if not char:
                raise ValueError("unterminated string")
            self.pos += 1
            if char == '"':
                return "".join(chars)
            if char == "\\":
                escaped = self.peek()
                if escaped not in ('"', "\\"):
                    raise ValueError("invalid escape in string")
                self.pos += 1
                chars.append(escaped)
            elif not " " <= char <= "~":
                raise ValueError("invalid character in string")
            else:
                chars.append(char)

    def byte_sequence(self) -> bytes:
        self.pos += 1
        end = self.text.find(":", self.pos)
        if end < 0:
            raise ValueError("unterminated byte sequence")
        encoded = self.text[self.pos:end]
        if not _BASE64_RE.fullmatch(encoded):
            raise ValueError("invalid base64 in byte sequence")
        self.pos = end + 1
        try:
            return base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
        except binascii.Error as exc:
            raise ValueError(f"invalid base64 in byte sequence: {exc}") from exc


def parse_dictionary(text: str) -> dict[str, Member]:
    """Parse an sf-dictionary field value (members in order; a repeated key keeps its last value)."""
    return _Parser(text.strip(" \t")).dictionary()


def serialize_bare_item(value: BareItem) -> str:
    """The canonical serialization of a bare item."""
    if isinstance(value, bool):
        return "?1" if value else "?0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Token):
        return str(value)
    if isinstance(value, str):
        if any(not " " <= char <= "~" for char in value):
            raise ValueError(f"string not serializable as sf-string: {value!r}")
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, bytes):
        return ":" + base64.b64encode(value).decode("ascii") + ":"
    raise TypeError(f"cannot serialize {type(value).__name__}")


def serialize_parameters(params: Parameters) -> str:
    """";key=value" for each parameter; ";key" alone for boolean true."""
    return "".join(
        f";{key}" if value is True else f";{key}={serialize_bare_item(value)}" for key, value in params.items()
    )


def serialize_item(item: Item) -> str:
    """A bare item followed by its parameters."""
    return serialize_bare_item(item.value) + serialize_parameters(item.params)


def serialize_inner_list(inner: InnerList) -> str:
    """"(a b c)" followed by the list's parameters."""
    return "(" + " ".join(serialize_item(item) for item in inner.items) + ")" + serialize_parameters(inner.params)


def serialize_member(member: Member) -> str:
    """An item or inner list."""
    return serialize_inner_list(member) if isinstance(member, InnerList) else serialize_item(member)
