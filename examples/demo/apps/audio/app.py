"""Demo fleet service 'audio' (cpu-audio, MainPC): refuses to start without libsndfile, the family's audio stack."""
import glob
import os
import socketserver
import sys

PORT = int(os.environ.get("SERVICE_PORT", "17002"))
LIBS = sorted(glob.glob("/usr/lib/*/libsndfile.so.1*") + glob.glob("/usr/lib/libsndfile.so.1*"))


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        try:
            self.request.sendall(f"audio: ok ({os.path.basename(LIBS[0])})\n".encode())
        except OSError:
            pass


if __name__ == "__main__":
    if not LIBS:
        print("audio: libsndfile is not in this image; use an audio family (needs: [audio])", file=sys.stderr)
        sys.exit(1)
    socketserver.ThreadingTCPServer.allow_reuse_address = True
    with socketserver.ThreadingTCPServer(("0.0.0.0", PORT), Handler) as server:
        print(f"audio listening on {PORT} with {LIBS[0]}", flush=True)
        server.serve_forever()
