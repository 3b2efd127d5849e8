"""``pubcom serve``: a local web page for staff pre-sorting opinions (calls the package API only)."""
from .app import create_app, make_server, serve

__all__ = ["create_app", "make_server", "serve"]
