"""Demo fleet service 'hello' (cpu, MainPC): answers one line on TCP, using its hash-locked dependency."""
import os

from common.net import serve_lines
from kiln_demo_fleet import status_line

PORT = int(os.environ.get("SERVICE_PORT", "17001"))

if __name__ == "__main__":
    serve_lines("hello", PORT, lambda: status_line("hello"))
