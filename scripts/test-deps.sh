#!/bin/sh
# Installs what the tests need on a fresh machine: Debian's Chromium for the
# /sbom page tests, xmllint to check CycloneDX XML against its XSD, and the
# versitygw S3 gateway for the object-store tests.
# Go tools go into a cache folder, not the project. Safe to run again.
set -eu

tools="${XDG_CACHE_HOME:-$HOME/.cache}/sbompipe/bin"
mkdir -p "$tools"

have_chromium() {
	for b in chromium chromium-browser google-chrome; do
		command -v "$b" >/dev/null 2>&1 && return 0
	done
	return 1
}

if ! have_chromium; then
	if [ "$(id -u)" = 0 ]; then
		echo "test-deps: installing chromium (apt-get)" >&2
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		apt-get install -y -qq chromium chromium-driver >/dev/null
	else
		echo "test-deps: chromium is missing; run: sudo apt-get install chromium" >&2
	fi
fi

if ! command -v python3 >/dev/null 2>&1 || ! python3 -m pip --version >/dev/null 2>&1; then
	if [ "$(id -u)" = 0 ]; then
		echo "test-deps: installing python3-pip (apt-get)" >&2
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		apt-get install -y -qq python3-pip >/dev/null
	else
		echo "test-deps: python3 -m pip is missing; run: sudo apt-get install python3-pip" >&2
	fi
fi

if ! command -v xmllint >/dev/null 2>&1; then
	if [ "$(id -u)" = 0 ]; then
		echo "test-deps: installing libxml2-utils for xmllint (apt-get)" >&2
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		apt-get install -y -qq libxml2-utils >/dev/null
	else
		echo "test-deps: xmllint is missing; run: sudo apt-get install libxml2-utils" >&2
	fi
fi

if [ ! -x "$tools/versitygw" ]; then
	echo "test-deps: installing versitygw v1.8.0 into $tools" >&2
	GOBIN="$tools" go install github.com/versity/versitygw/cmd/versitygw@v1.8.0
fi
