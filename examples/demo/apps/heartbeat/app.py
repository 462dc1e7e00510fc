"""Demo fleet service 'heartbeat' (cpu, on both machines): reports the machine defaults it was started with."""
import os

from common.net import serve_lines
from kiln_demo_fleet import status_line

PORT = int(os.environ.get("SERVICE_PORT", "17010"))


def answer() -> bytes:
    detail = f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', '?')} UVICORN_WORKERS={os.environ.get('UVICORN_WORKERS', '?')}"
    return status_line("heartbeat", detail)


if __name__ == "__main__":
    serve_lines("heartbeat", PORT, answer)
