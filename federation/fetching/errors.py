"""The fetch errors: FetchError and one subclass per way a fetch is refused or fails."""


class FetchError(Exception):
    """Base class: the remote document could not be fetched safely. ``url`` is what was asked."""

    def __init__(self, message: str, *, url: str | None = None):
        super().__init__(message)
        self.url = url


class BadUrl(FetchError):
    """The URL is malformed (no host, credentials in it, control characters, too long...)."""


class SchemeNotAllowed(FetchError):
    """Not https (plain http only with allow_private)."""


class BlockedAddress(FetchError):
    """The host is, or resolves to, an address the node must not connect to."""


class ConnectionFailed(FetchError):
    """Name resolution, TCP connect or TLS failed, or the connection broke."""


class FetchTimeout(FetchError):
    """Connect, read or total deadline exceeded."""


class TooLarge(FetchError):
    """The body is larger than the cap."""


class TooManyRedirects(FetchError):
    """More than one redirect, or a redirect without a usable Location."""


class BadContentType(FetchError):
    """The response's Content-Type (or Content-Encoding) is not one that was asked for."""


class BadJson(FetchError):
    """Invalid JSON, nested too deep, an array too long, or not the expected shape."""


class IdMismatch(FetchError):
    """The document's id is missing, on another origin, or not the URL finally fetched."""


class BudgetExceeded(FetchError):
    """The per-activity fetch budget is used up."""


class HttpError(FetchError):
    """The server answered with a status other than 200 (or an unfollowed redirect)."""

    def __init__(self, message: str, *, status: int, url: str | None = None):
        super().__init__(message, url=url)
        self.status = status
