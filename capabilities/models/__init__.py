from .organisation import Organisation

__all__ = ["Organisation"]
