"""Inbound federation: inbox requests, held and verified items, processing through handlers.

- receive: the request path (checks, store once, 202; no remote I/O).
- process / tasks: the worker side (verify held items, dispatch to registry handlers, retries,
  the periodic `federation.sweep_inbox`).
- remote: the remote actor and key cache (fetched by the worker only).
- context: the handler API (`InboundContext`, `Ignored`, `Refused`) for groups/ and capabilities/.
- handlers / follows: the core handlers (Follow, Accept/Reject/Undo of Follow, Update and Delete
  of actors, Block) and the approve/reject services for follow requests.

Importing this package registers the core handlers.
"""

from .context import Ignored, InboundContext, Refused

from . import handlers  # noqa: E402,F401  (registers the core handlers)

__all__ = ["Ignored", "InboundContext", "Refused"]
