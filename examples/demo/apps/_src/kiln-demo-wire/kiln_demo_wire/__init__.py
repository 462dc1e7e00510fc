"""The demo fleet's wire format: one line of text per answer. kiln-demo-fleet depends on it."""

__version__ = "1.0.0"


def encode(text: str) -> bytes:
    """One answer on the wire: the text, one trailing newline, UTF-8."""
    return (text.rstrip("\n") + "\n").encode("utf-8")
