"""A line server: each connection gets one answer. Shared by the demo's TCP services."""
import socketserver

from . import names


def serve_lines(service: str, port: int, answer) -> None:
    """Serve `answer()` (bytes) to every connection on 0.0.0.0:`port` until the process is stopped."""

    class Handler(socketserver.BaseRequestHandler):
        def handle(self):
            try:
                self.request.sendall(answer())
            except OSError:
                pass  # the health check connects and closes at once

    socketserver.ThreadingTCPServer.allow_reuse_address = True
    with socketserver.ThreadingTCPServer(("0.0.0.0", port), Handler) as server:
        print(f"{names.display(service)} listening on {port}", flush=True)
        server.serve_forever()
