#!/bin/sh
# make demo: the release job on the bundled example project (examples/demo),
# in a copy under dist/demo so that nothing tracked changes:
#
#   lock     requirements.in -> requirements.txt with hashes, by pip, from
#            the wheels the example carries (every hash is real)
#   verify   pip's hash-checking rules and sbompipe's policy
#   release  at the tag v1.0.0: CycloneDX and SPDX for the Python packages,
#            the Go module and the Go binary, into the default store
#            (./sbom-archive), with index.json, index.html and feed.xml
#   again    the same tag again changes nothing, as a CI re-run must
#   fetch    download the release's SBOM from `sbompipe serve` and prove it
set -eu
cd "$(dirname "$0")/.."
root=$PWD
sbompipe="$root/bin/sbompipe"
work="$root/dist/demo"
step() { printf '\n== %s\n' "$*"; }

rm -rf "$work"
mkdir -p "$work"
cp -R examples/demo/. "$work/"
cd "$work"
printf 'build/\nsbom-archive/\ndist/\n' >.gitignore

step "sbompipe lock --backend pip   (requirements.in -> requirements.txt)"
if python3 -m pip --version >/dev/null 2>&1; then
	"$sbompipe" lock --backend pip
else
	echo "python3 -m pip is not installed: keeping the example's lockfile"
fi
cat requirements.txt
echo "the wheels it pins, hashed here:"
(cd wheels && sha256sum -- *.whl)

step "sbompipe verify --in requirements.in requirements.txt"
"$sbompipe" verify --in requirements.in requirements.txt

step "go build the example's app, with its version stamped"
(cd app && go build -trimpath -ldflags "-X main.version=v1.0.0" -o ../build/shop-app .)
./build/shop-app

step "a git repository at the tag v1.0.0, as a release workflow checks it out"
stamp=2026-12-01T12:00:00Z
git init -q
git add -A
GIT_AUTHOR_DATE=$stamp GIT_COMMITTER_DATE=$stamp \
	git -c user.name="Demo Release" -c user.email=release@example.com commit -q -m "shop v1.0.0"
git tag v1.0.0
git log --oneline --decorate -1

release() {
	"$sbompipe" release --product shop --python requirements.txt --in requirements.in \
		--go app --go-binary build/shop-app --contact sbom-requests@example.com
}
step "sbompipe release   (version from the tag, timestamp from the tagged commit)"
release

step "the same release again: nothing changes"
release

step "sbompipe archive verify && sbompipe archive list"
"$sbompipe" archive verify
"$sbompipe" archive list

step "sbompipe fetch from sbompipe serve: download the SBOM and prove it"
log=$(mktemp)
"$sbompipe" serve --addr 127.0.0.1:0 2>"$log" &
server=$!
trap 'kill $server 2>/dev/null || true; rm -f "$log"' EXIT
url=""
for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	url=$(sed -n 's/.* at \(http:[^ ]*\)$/\1/p' "$log")
	[ -n "$url" ] && break
	sleep 0.25
done
if [ -z "$url" ]; then
	cat "$log" >&2
	echo "demo: sbompipe serve did not start" >&2
	exit 1
fi
"$sbompipe" fetch "$url" --product shop --release latest --format cyclonedx -o fetched.cdx.json
cmp fetched.cdx.json sbom-archive/shop/v1.0.0/shop_v1.0.0.cdx.json && echo "fetched.cdx.json is the published document"
kill $server

step "done"
echo "the /sbom page:  $work/sbom-archive/index.html"
echo "serve it with:   $sbompipe serve --store file://$work/sbom-archive --addr 127.0.0.1:8080 --prefix /sbom"
echo "                 then open http://127.0.0.1:8080/sbom/"
