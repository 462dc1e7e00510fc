"""How the demo's services name themselves in their logs."""


def display(service: str) -> str:
    return f"[{service}]"
