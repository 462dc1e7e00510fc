"""Demo fleet service 'vision-ampere' (gpu-ampere-vision, PC2): HTTP /health, only healthy with libGL present."""
import glob
import http.server
import json
import os

PORT = int(os.environ.get("SERVICE_PORT", "17004"))


def libgl() -> list:
    return sorted(glob.glob("/usr/lib/*/libGL.so.1*") + glob.glob("/usr/lib/libGL.so.1*"))


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path not in ("/", "/health"):
            self.send_error(404)
            return
        found = libgl()
        body = {"service": "vision-ampere", "libgl": found[:1], "arch": os.environ.get("KILN_GPU_ARCH_LIST", "?")}
        data = json.dumps(body).encode()
        self.send_response(200 if found else 503)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    http.server.ThreadingHTTPServer.allow_reuse_address = True
    with http.server.ThreadingHTTPServer(("0.0.0.0", PORT), Handler) as server:
        print(f"vision-ampere listening on {PORT}", flush=True)
        server.serve_forever()
