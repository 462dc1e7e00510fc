"""Demo fleet service 'heartbeat' (cpu, on both machines): reports the machine defaults it was started with."""
import os
import socketserver

from kiln_demo_fleet import status_line

PORT = int(os.environ.get("SERVICE_PORT", "17010"))


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        detail = f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', '?')} UVICORN_WORKERS={os.environ.get('UVICORN_WORKERS', '?')}"
        try:
            self.request.sendall(status_line("heartbeat", detail).encode())
        except OSError:
            pass


if __name__ == "__main__":
    socketserver.ThreadingTCPServer.allow_reuse_address = True
    with socketserver.ThreadingTCPServer(("0.0.0.0", PORT), Handler) as server:
        print(f"heartbeat listening on {PORT}", flush=True)
        server.serve_forever()
