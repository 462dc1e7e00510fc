"""The Debian demo's web service: Python's standard library only (PyPI is not reachable from builds here).

GET /health answers 200 "ok" (the image's HTTP healthcheck asks it); GET / answers the greeting of the
hash-locked local package kiln-demo-greeting, so a running container proves that package is importable.
"""

import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from kiln_demo_greeting import greeting


class Handler(BaseHTTPRequestHandler):
    server_version = "kiln-demo/1"

    def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
        if self.path == "/health":
            self._answer(200, "ok\n")
        elif self.path == "/":
            self._answer(200, greeting(os.environ.get("KILN_DEMO_NAME", "the Kiln demo")) + "\n")
        else:
            self._answer(404, "not found\n")

    def _answer(self, status: int, body: str) -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the stdlib's name)
        # One line per request on stderr, as uvicorn would; health checks would drown everything else.
        if not self.path.startswith("/health"):
            sys.stderr.write("%s %s\n" % (self.address_string(), format % args))


def main() -> None:
    port = int(os.environ.get("PORT", "8080"))
    server = ThreadingHTTPServer(("0.0.0.0", port), Handler)
    print(f"kiln-demo web: listening on :{port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
