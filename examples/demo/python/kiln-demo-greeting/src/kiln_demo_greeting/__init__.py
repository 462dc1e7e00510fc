"""A greeting for Kiln's Debian demo images: proof that a hash-locked local wheel is importable at runtime."""

__version__ = "1.0.0"


def greeting(name: str = "Kiln") -> str:
    """The text the demo's web service answers on /."""
    return f"Hello from {name}!"
