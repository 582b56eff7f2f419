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

# apt_install WHAT PACKAGE...: install Debian packages when root; otherwise
# say what to install (tests that need WHAT skip, and fail under CI=true).
updated=
apt_install() {
	what=$1
	shift
	if [ "$(id -u)" != 0 ]; then
		echo "test-deps: $what is missing; run: sudo apt-get install $*" >&2
		return 0
	fi
	echo "test-deps: installing $* for $what (apt-get)" >&2
	export DEBIAN_FRONTEND=noninteractive
	if [ -z "$updated" ]; then
		apt-get update -qq
		updated=1
	fi
	apt-get install -y -qq "$@" >/dev/null
}

have_chromium || apt_install chromium chromium chromium-driver
if ! command -v python3 >/dev/null 2>&1 || ! python3 -m pip --version >/dev/null 2>&1; then
	apt_install "python3 -m pip" python3-pip
fi
command -v xmllint >/dev/null 2>&1 || apt_install xmllint libxml2-utils

if [ ! -x "$tools/versitygw" ]; then
	echo "test-deps: installing versitygw v1.8.0 into $tools" >&2
	GOBIN="$tools" go install github.com/versity/versitygw/cmd/versitygw@v1.8.0
fi
