"""Demo fleet service 'hello' (cpu, MainPC): answers one line on TCP, using its hash-locked dependency."""
import os
import socketserver

from kiln_demo_fleet import status_line

PORT = int(os.environ.get("SERVICE_PORT", "17001"))


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        try:
            self.request.sendall(status_line("hello").encode())
        except OSError:
            pass  # the health check connects and closes at once


if __name__ == "__main__":
    socketserver.ThreadingTCPServer.allow_reuse_address = True
    with socketserver.ThreadingTCPServer(("0.0.0.0", PORT), Handler) as server:
        print(f"hello listening on {PORT}", flush=True)
        server.serve_forever()
