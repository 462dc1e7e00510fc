"""A tiny library for the demo fleet: one wheel, hash-locked by the services that use it."""

__version__ = "1.0.0"


def status_line(service: str, detail: str = "ok") -> str:
    """The one-line answer every demo service gives on its port."""
    return f"{service}: {detail} (kiln-demo-fleet {__version__})\n"
