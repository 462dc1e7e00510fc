"""A tiny library for the demo fleet: one wheel, hash-locked by the services that use it, with one dependency."""

from kiln_demo_wire import encode

__version__ = "1.1.0"


def status_line(service: str, detail: str = "ok") -> bytes:
    """The one-line answer every demo service gives on its port, encoded for the wire."""
    return encode(f"{service}: {detail} (kiln-demo-fleet {__version__})")
