"""Demo fleet service 'web' (cpu-web, MainPC): an HTTP API with /health; it reports whether 'hello' answers."""
import http.server
import json
import os
import socket

PORT = int(os.environ.get("SERVICE_PORT", "17080"))
HELLO = os.environ.get("HELLO_ADDRESS", "hello:17001")
# A data file, not a module: the fleet lists it under 'files:' so the image holds it.
BANNER = open(os.path.join(os.path.dirname(__file__), "config", "banner.txt"), encoding="utf-8").read().strip()


def ask_hello() -> str:
    host, port = HELLO.rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), timeout=2) as s:
            return s.recv(200).decode().strip()
    except OSError as e:
        return f"unreachable ({e.__class__.__name__})"


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/health":
            body = {"status": "ok"}
        elif self.path == "/":
            body = {"service": "web", "banner": BANNER, "hello": ask_hello()}
        else:
            self.send_error(404)
            return
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass  # health checks every few seconds would flood the log


if __name__ == "__main__":
    http.server.ThreadingHTTPServer.allow_reuse_address = True
    with http.server.ThreadingHTTPServer(("0.0.0.0", PORT), Handler) as server:
        print(f"web listening on {PORT}", flush=True)
        server.serve_forever()
