"""Kiln's rehearsal stand-in for a fleet service: it binds every port of the service and its health port, answers
on each, and reports healthy only once everything it depends on answers: each peer (KILN_PEER_<SERVICE>=host:port),
Redis (REDIS_URL) and, for a service given the Docker socket, the Docker API. Standard library only."""
import http.server
import json
import os
import socket
import socketserver
import sys
import threading
import time
import urllib.parse


def log(message):
    print(f"[{os.environ.get('KILN_REHEARSAL_SERVICE', '?')}] {message}", flush=True)


def answer_tcp(port, text):
    class Handler(socketserver.BaseRequestHandler):
        def handle(self):
            try:
                self.request.sendall(text.encode())
            except OSError:
                pass

    socketserver.ThreadingTCPServer.allow_reuse_address = True
    server = socketserver.ThreadingTCPServer(("0.0.0.0", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()


def answer_http(port, path, text):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = text.encode()
            self.send_response(200 if self.path == path else 404)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    http.server.ThreadingHTTPServer.allow_reuse_address = True
    server = http.server.ThreadingHTTPServer(("0.0.0.0", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()


def peer(address):
    host, port = address.rsplit(":", 1)
    with socket.create_connection((host, int(port)), 2) as s:
        s.settimeout(2)
        return s.recv(200).decode(errors="replace").strip() or "connected"


def redis(url):
    u = urllib.parse.urlparse(url)
    with socket.create_connection((u.hostname, u.port or 6379), 2) as s:
        s.settimeout(2)
        secret = os.environ.get("REDIS_PASSWORD_FILE")
        if secret:
            password = open(secret, encoding="utf-8").read().strip()
            s.sendall(f"*2\r\n$4\r\nAUTH\r\n${len(password)}\r\n{password}\r\n".encode())
            if not s.recv(64).startswith(b"+OK"):
                raise OSError("AUTH refused")
        s.sendall(b"*1\r\n$4\r\nPING\r\n")
        reply = s.recv(64)
        if not reply.startswith(b"+PONG"):
            raise OSError(f"PING answered {reply!r}")
        return "PONG"


def docker_api(path="/var/run/docker.sock"):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(3)
        s.connect(path)
        s.sendall(b"GET /containers/json HTTP/1.0\r\nHost: docker\r\n\r\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    if b" 200 " not in head.split(b"\r\n")[0]:
        raise OSError(head.split(b"\r\n")[0].decode())
    return f"{len(json.loads(body))} containers listed as uid {os.getuid()}"


def checks():
    found = [(f"peer {k[len('KILN_PEER_'):]} at {v}", lambda v=v: peer(v)) for k, v in sorted(os.environ.items()) if k.startswith("KILN_PEER_")]
    if os.environ.get("REDIS_URL"):
        found.append((f"redis at {os.environ['REDIS_URL']}", lambda: redis(os.environ["REDIS_URL"])))
    if os.path.exists("/var/run/docker.sock"):
        found.append(("docker API at /var/run/docker.sock", docker_api))
    return found


def run(name, ports, health_port, check="tcp", path="/health"):
    device = os.environ.get("KILN_DEVICE", "n/a")
    for port in ports:
        if port != health_port:
            answer_tcp(port, f"{name} ok\n")
    for scratch in ("/tmp", os.environ.get("XDG_CACHE_HOME", "")):
        if scratch and os.path.isdir(scratch):
            with open(os.path.join(scratch, f"kiln-rehearsal-{name}"), "w", encoding="utf-8") as f:
                f.write("written where the service may write\n")
    pending = checks()
    log(f"up on {sorted(set(ports))}, device {device}; waiting for {len(pending)} dependencies")
    last = 0.0
    while pending:
        left = []
        for what, probe in pending:
            try:
                log(f"{what} answered: {probe()}")
            except (OSError, ValueError) as e:
                left.append((what, probe))
                if time.monotonic() - last > 5:
                    log(f"{what} not answering yet ({e.__class__.__name__}: {e})")
        if len(left) == len(pending) and left:
            last = time.monotonic() if time.monotonic() - last > 5 else last
            time.sleep(0.5)
        pending = left
    if check == "http":
        answer_http(health_port, path, "ok\n")
    else:
        answer_tcp(health_port, f"{name} healthy\n")
    log(f"healthy on {health_port} ({check})")
    while True:
        time.sleep(3600)
