"""Builds the demo fleet's two wheels byte-for-byte reproducibly (fixed timestamps and order), with no build
backend: kiln-demo-wire 1.0.0 and kiln-demo-fleet 1.1.0, which requires kiln-demo-wire>=1.0. Kiln's Lock target
resolves the services' imports against them and pins their sha256; nothing can be fetched from an index here.

    python3 examples/demo/apps/_src/make_wheels.py [WHEELHOUSE]   # default: ../_wheels; prints each file's sha256
"""
import base64
import hashlib
import pathlib
import sys
import zipfile

HERE = pathlib.Path(__file__).resolve().parent
OUT = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.parent / "_wheels"
EPOCH = (1980, 1, 1, 0, 0, 0)
WHEELS = [
    ("kiln-demo-wire", "kiln_demo_wire", "1.0.0", []),
    ("kiln-demo-fleet", "kiln_demo_fleet", "1.1.0", ["kiln-demo-wire>=1.0"]),
]


def digest(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def build(name: str, module: str, version: str, requires: list) -> pathlib.Path:
    dist = f"{module}-{version}.dist-info"
    files = {f"{module}/__init__.py": (HERE / name / module / "__init__.py").read_bytes()}
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: Kiln demo fleet wheel\n"
    metadata += "".join(f"Requires-Dist: {r}\n" for r in requires)
    files[f"{dist}/METADATA"] = metadata.encode()
    files[f"{dist}/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: kiln-make-wheels\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    files[f"{dist}/top_level.txt"] = f"{module}\n".encode()
    record = "".join(f"{path},{digest(data)},{len(data)}\n" for path, data in files.items()) + f"{dist}/RECORD,,\n"
    files[f"{dist}/RECORD"] = record.encode()
    out = OUT / f"{module}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as whl:
        for path, data in files.items():
            info = zipfile.ZipInfo(path, EPOCH)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            whl.writestr(info, data)
    return out


OUT.mkdir(parents=True, exist_ok=True)
for wheel in WHEELS:
    path = build(*wheel)
    print(path.name, hashlib.sha256(path.read_bytes()).hexdigest())
