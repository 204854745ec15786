"""federation.fetching: the one way this node fetches remote ActivityPub (and other JSON) documents.

Safe against SSRF and hostile servers:

* Only https, unless ``allow_private`` (local test clusters), which also permits plain http.
* The host is resolved here, *every* resolved address is checked, and the socket connects to a
  vetted address; the Host header, TLS SNI and certificate check keep the original host name.
  The check runs at connect time (inside urllib3's ``_new_conn``), so DNS rebinding between a
  check and the connect is impossible, and a redirect target is checked the same way.
* Timeouts: connect, read (per socket operation) and a total deadline for the whole fetch,
  enforced by a watchdog that shuts the sockets down, so a server dripping headers or body
  cannot hold a worker.
* Body streamed and capped; at most one redirect, followed by hand; strict content types;
  bounded JSON depth and array length; the document ``id`` must equal the URL finally fetched.
* A per-inbound-activity :class:`FetchBudget`.

Nothing here reads Django settings except the thin wrappers :func:`fetch_document` and
:func:`fetch_node_json`. It imports neither the toolkit nor the ORM.

Modules: errors (exception classes), addresses (address policy, URL pre-check), transport
(connect-time check and watchdog), jsonsafe (bounded JSON), policy (Limits, FetchBudget),
client (the fetch). Import from this package, not from the modules.
"""

from .addresses import blocked_reason, check_url
from .client import (
    AS_ACCEPT, AS_PROFILE, JSON_ACCEPT, MAX_REDIRECTS, FetchResult, Signer, check_id, fetch_document,
    fetch_json, fetch_node_json, fetch_object, user_agent,
)
from .errors import (
    BadContentType, BadJson, BadUrl, BlockedAddress, BudgetExceeded, ConnectionFailed, FetchError,
    FetchTimeout, HttpError, IdMismatch, SchemeNotAllowed, TooLarge, TooManyRedirects,
)
from .jsonsafe import check_json, parse_json
from .policy import DEFAULT_LIMITS, FetchBudget, Limits

__all__ = [
    "AS_ACCEPT", "AS_PROFILE", "DEFAULT_LIMITS", "JSON_ACCEPT", "MAX_REDIRECTS",
    "BadContentType", "BadJson", "BadUrl", "BlockedAddress", "BudgetExceeded", "ConnectionFailed",
    "FetchBudget", "FetchError", "FetchResult", "FetchTimeout", "HttpError", "IdMismatch", "Limits",
    "SchemeNotAllowed", "Signer", "TooLarge", "TooManyRedirects", "blocked_reason", "check_id",
    "check_json", "check_url", "fetch_document", "fetch_json", "fetch_node_json", "fetch_object",
    "parse_json", "user_agent",
]
