"""Builds kiln_demo_fleet-1.0.0-py3-none-any.whl byte-for-byte reproducibly (fixed timestamps and order), with no
build backend: the demo's locks pin this wheel's sha256, and nothing can be fetched from an index here.

    python3 examples/demo/apps/_src/kiln-demo-fleet/make_wheel.py   # writes ../../_wheels/ and prints the hash
"""
import base64
import hashlib
import pathlib
import zipfile

NAME, VERSION = "kiln_demo_fleet", "1.0.0"
HERE = pathlib.Path(__file__).resolve().parent
OUT = HERE.parent.parent / "_wheels" / f"{NAME}-{VERSION}-py3-none-any.whl"
DIST = f"{NAME}-{VERSION}.dist-info"
EPOCH = (1980, 1, 1, 0, 0, 0)


def digest(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


files = {f"{NAME}/__init__.py": (HERE / NAME / "__init__.py").read_bytes()}
files[f"{DIST}/METADATA"] = f"Metadata-Version: 2.1\nName: kiln-demo-fleet\nVersion: {VERSION}\nSummary: Demo fleet helper\n".encode()
files[f"{DIST}/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: kiln-make-wheel\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
record = "".join(f"{path},{digest(data)},{len(data)}\n" for path, data in files.items()) + f"{DIST}/RECORD,,\n"
files[f"{DIST}/RECORD"] = record.encode()

OUT.parent.mkdir(parents=True, exist_ok=True)
with zipfile.ZipFile(OUT, "w", compression=zipfile.ZIP_DEFLATED) as whl:
    for path, data in files.items():
        info = zipfile.ZipInfo(path, EPOCH)
        info.external_attr = 0o644 << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        whl.writestr(info, data)
print(OUT.name, hashlib.sha256(OUT.read_bytes()).hexdigest())
