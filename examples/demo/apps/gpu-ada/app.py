"""Demo fleet service 'gpu-ada' (gpu-ada, MainPC): reports the GPU arch its family was built for.

The family's entrypoint runs kiln-gpu-probe before this program, and the healthcheck runs it again ('gpu' check),
so on the wrong GPU the container fails instead of serving.
"""
import os
import socketserver

PORT = int(os.environ.get("SERVICE_PORT", "17003"))


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        arch = os.environ.get("KILN_GPU_ARCH_LIST") or os.environ.get("TORCH_CUDA_ARCH_LIST") or "?"
        try:
            self.request.sendall(f"gpu-ada: ok (built for compute capability {arch})\n".encode())
        except OSError:
            pass


if __name__ == "__main__":
    socketserver.ThreadingTCPServer.allow_reuse_address = True
    with socketserver.ThreadingTCPServer(("0.0.0.0", PORT), Handler) as server:
        print(f"gpu-ada listening on {PORT}", flush=True)
        server.serve_forever()
