"""Builds the two wheels of the demo, byte for byte the same on every run.

The wheels are committed; run this only to change them, then update the
hashes in requirements.txt (scripts/demo.sh prints them).
"""
import base64
import hashlib
import os
import zipfile

WHEELS = [
    ("colorwheel", "3.2.0", ["tinyhttp>=1.8"], "def mix(a, b):\n    return (a + b) / 2\n"),
    ("tinyhttp", "1.8.2", [], "def get(url):\n    raise NotImplementedError(url)\n"),
]


def record_line(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}\n"


def build(name, version, requires, code):
    info = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": code.encode(),
        f"{info}/METADATA": (
            "Metadata-Version: 2.1\n"
            f"Name: {name}\nVersion: {version}\n"
            "Summary: an example package of the sbompipe demo\n"
            + "".join(f"Requires-Dist: {r}\n" for r in requires)
        ).encode(),
        f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: make_wheels.py\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = "".join(record_line(n, d) for n, d in files.items()) + f"{info}/RECORD,,\n"
    files[f"{info}/RECORD"] = record.encode()
    path = os.path.join(os.path.dirname(__file__), "wheels", f"{name}-{version}-py3-none-any.whl")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, d in files.items():
            zi = zipfile.ZipInfo(n, date_time=(2026, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(zi, d)


for w in WHEELS:
    build(*w)
