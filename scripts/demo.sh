#!/bin/sh
# make demo: sbompipe verify on the bundled example (examples/demo). The
# lockfile's hashes are the SHA-256 of the wheels the example carries, so
# pip itself can install from it with --require-hashes.
set -eu
cd "$(dirname "$0")/.."
sbompipe="$PWD/bin/sbompipe"
demo=examples/demo
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== the wheels of $demo and their SHA-256"
(cd "$demo/wheels" && sha256sum -- *.whl)

echo
echo "== sbompipe verify --in requirements.in requirements.txt"
(cd "$demo" && "$sbompipe" verify --in requirements.in requirements.txt)

echo
echo "== the same lockfile with a lost backslash and a second requirement (exit 1 expected)"
sed -e '/^colorwheel/s/ \\$//' "$demo/requirements.txt" >"$tmp/requirements.txt"
echo "numlite==1.4.1" >>"$tmp/requirements.txt"
cp "$demo/requirements.in" "$tmp/"
status=0
(cd "$tmp" && "$sbompipe" verify --in requirements.in requirements.txt) || status=$?
if [ "$status" -ne 1 ]; then
	echo "demo: verify exited $status on the broken lockfile, want 1" >&2
	exit 1
fi

echo
echo "== the same findings as JSON"
(cd "$tmp" && "$sbompipe" verify --format json requirements.txt) || true

if python3 -m pip --version >/dev/null 2>&1; then
	echo
	echo "== pip agrees: pip download --no-index --require-hashes from the example's wheels"
	(cd "$demo" && python3 -m pip download --quiet --no-index --find-links wheels \
		--require-hashes -r requirements.txt -d "$tmp/download" --disable-pip-version-check)
	ls "$tmp/download"
fi
