from .node_settings import NodeSettings
from .outbound_email import OutboundEmail

__all__ = ["NodeSettings", "OutboundEmail"]
