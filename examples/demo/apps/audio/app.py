"""Demo fleet service 'audio' (cpu-audio, MainPC): refuses to start without libsndfile, the family's audio stack."""
import glob
import os
import sys

from common.net import serve_lines

PORT = int(os.environ.get("SERVICE_PORT", "17002"))
LIBS = sorted(glob.glob("/usr/lib/*/libsndfile.so.1*") + glob.glob("/usr/lib/libsndfile.so.1*"))

if __name__ == "__main__":
    if not LIBS:
        print("audio: libsndfile is not in this image; use an audio family (needs: [audio])", file=sys.stderr)
        sys.exit(1)
    serve_lines("audio", PORT, lambda: f"audio: ok ({os.path.basename(LIBS[0])})\n".encode())
