#!/usr/bin/env bash
# Side by side: sbompipe, syft and cyclonedx-gomod on the same inputs, with
# both formats written in every measured run (docs/performance.md, issue 7).
#
#   scripts/compare.sh                 # what `make bench` runs after the Go benchmarks
#   ROUNDS=3 SIZES="30 3000" scripts/compare.sh
#
# Environment:
#   ROUNDS      measured rounds per input (default 5); each round runs every
#               tool once, in an order that rotates from round to round
#   SIZES       entries of the generated lockfiles (default "30 300 3000 30000")
#   INPUTS      which comparisons to run (default "python gomod binary release")
#   SEED        seed of the generated lockfiles (default 7)
#   BENCH_DIR   working folder (default: a new temporary folder, kept)
#   SBOMPIPE    the sbompipe binary to measure (default: built from this tree)
#
# Installs what is missing: the peers with `go install` into
# ${XDG_CACHE_HOME:-$HOME/.cache}/sbompipe/bin, hyperfine and GNU time with
# apt-get when run as root. The Go module measured is the source of
# github.com/anchore/syft@v1.57.2, fetched with `go mod download` (the Go
# module proxy); cyclonedx-gomod's mod mode needs its dependencies in the
# module cache, so the first (unmeasured) run of it may download for a while.
#
# Timing: hyperfine -N --runs 1 per run (wall, user and system time of the
# process and of the processes it waited for); peak memory: /usr/bin/time -v
# in a second run of the same command right after (the largest RSS of any
# one process of the run). The report ends up on stdout and in
# $BENCH_DIR/report.md; the raw figures in runs.tsv and contents.tsv.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-5}
SIZES=${SIZES:-30 300 3000 30000}
INPUTS=${INPUTS:-python gomod binary release}
SEED=${SEED:-7}
SYFT_VERSION=v1.57.2
CYCLONEDX_GOMOD_VERSION=v1.10.0
MODULE=github.com/anchore/syft@$SYFT_VERSION
TOOLS="${XDG_CACHE_HOME:-$HOME/.cache}/sbompipe/bin"
WORK=${BENCH_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/sbompipe-compare.XXXXXX")}

say() { echo "compare: $*" >&2; }
die() { say "$*"; exit 2; }

case "$WORK$TOOLS" in
*[[:space:]]*) die "paths with white space are not supported: $WORK, $TOOLS" ;;
esac
mkdir -p "$WORK" "$TOOLS"
WORK=$(cd "$WORK" && pwd)

# need_deb COMMAND PACKAGE: install a Debian package when its command is
# missing and we are root; otherwise say what to install.
need_deb() {
	command -v "$1" >/dev/null 2>&1 && return 0
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		say "installing $2 (apt-get)"
		DEBIAN_FRONTEND=noninteractive apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
	else
		die "$1 is missing; install it: sudo apt-get install $2"
	fi
}
need_deb hyperfine hyperfine
[ -x /usr/bin/time ] || need_deb /usr/bin/time time

# need_peer NAME PACKAGE VERSION: go install the peer into $TOOLS unless
# that version is there.
need_peer() {
	local bin="$TOOLS/$1"
	if [ -x "$bin" ] && go version -m "$bin" 2>/dev/null | grep -q "^[[:space:]]*mod[[:space:]].*[[:space:]]$3[[:space:]]"; then
		return 0
	fi
	say "installing $2@$3 into $TOOLS"
	GOBIN="$TOOLS" go install "$2@$3"
}
need_peer syft github.com/anchore/syft/cmd/syft "$SYFT_VERSION"
need_peer cyclonedx-gomod github.com/CycloneDX/cyclonedx-gomod/cmd/cyclonedx-gomod "$CYCLONEDX_GOMOD_VERSION"
SYFT=$TOOLS/syft
GOMOD=$TOOLS/cyclonedx-gomod

say "working in $WORK"
go build -o "$WORK/benchtool" ./scripts/benchtool
BT=$WORK/benchtool
if [ -z "${SBOMPIPE:-}" ]; then
	go build -trimpath -o "$WORK/sbompipe" ./cmd/sbompipe
	SBOMPIPE=$WORK/sbompipe
fi

# The inputs. Each generated lockfile sits alone in its folder, which is
# what syft's dir: source is given.
IN=$WORK/inputs
mkdir -p "$IN"
for n in $SIZES; do
	mkdir -p "$IN/requirements-$n"
	"$BT" requirements -n "$n" -seed "$SEED" "$IN/requirements-$n/requirements.txt"
done
if [ ! -f "$IN/gomod-src/go.mod" ]; then
	say "fetching $MODULE (go mod download)"
	dir=$(go mod download -json "$MODULE" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
	[ -d "$dir" ] || die "go mod download $MODULE gave no folder"
	rm -rf "$IN/gomod-src" "$IN/gomod"
	cp -R "$dir" "$IN/gomod-src"
	chmod -R u+w "$IN/gomod-src"
	mkdir -p "$IN/gomod"
	cp "$IN/gomod-src/go.mod" "$IN/gomod-src/go.sum" "$IN/gomod/"
	say "downloading the module's dependencies (go mod download)"
	(cd "$IN/gomod-src" && go mod download)
fi
BINARY=$SYFT

# No update checks, no clocks in sbompipe's documents.
export SYFT_CHECK_FOR_APP_UPDATE=false
# sbompipe keeps license classifications and Go module graphs in the user's
# cache directory: one of its own here, so that every comparison starts from
# an empty cache and the unmeasured warm-up run fills it. The "sbompipe" and
# "--no-licenses" rows are then runs with a warm cache, the "--no-cache" rows
# classify every text and read every module graph as a first run on a
# machine does. Go's build cache stays where it is.
GOCACHE=$(go env GOCACHE)
export GOCACHE
rm -rf "$WORK/cache"
export XDG_CACHE_HOME=$WORK/cache
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1767225600}

# Every command runs in $WORK: release looks at the git working tree it is
# run in, which must not be this one (edits in it would stop the release).
cd "$WORK"

RUNS=$WORK/runs.tsv
CONTENTS=$WORK/contents.tsv
: >"$RUNS"
: >"$CONTENTS"

# runs COMMAND prints COMMAND with @RUN@ replaced by a number that is new
# at each call (in the output file, so that it survives subshells).
runs() {
	local n
	n=$(($(cat "$WORK/run-number" 2>/dev/null || echo 0) + 1))
	echo "$n" >"$WORK/run-number"
	echo "${1//@RUN@/$n}"
}

# measure INPUT NAME=COMMAND...: a warm-up run of each command, then
# $ROUNDS rounds of every command, then the contents of the documents the
# last run of each wrote into $WORK/out/INPUT/NAME.
measure() {
	local input=$1
	shift
	local names=() cmds=() spec
	for spec in "$@"; do
		names+=("${spec%%=*}")
		cmds+=("${spec#*=}")
	done
	local count=${#names[@]} i r k out cmd
	for ((i = 0; i < count; i++)); do
		out=$WORK/out/$input/${names[i]// /_}
		rm -rf "$out"
		mkdir -p "$out"
		cmds[i]=${cmds[i]//@OUT@/$out}
		cmd=$(runs "${cmds[i]}")
		say "$input: warm-up: $cmd"
		# shellcheck disable=SC2086 # the command is split into words on purpose
		if ! $cmd >"$WORK/warmup.log" 2>&1; then
			tail -20 "$WORK/warmup.log" >&2
			die "$input: ${names[i]} failed"
		fi
	done
	for ((r = 1; r <= ROUNDS; r++)); do
		for ((k = 0; k < count; k++)); do
			i=$(((k + r) % count))
			hyperfine -N --runs 1 --style none --export-json "$WORK/hyperfine.json" \
				--command-name "${names[i]}" "$(runs "${cmds[i]}")" >/dev/null
			# shellcheck disable=SC2086
			/usr/bin/time -v -o "$WORK/time.txt" $(runs "${cmds[i]}") >/dev/null 2>&1 || true
			"$BT" record -input "$input" -tool "${names[i]}" -round "$r" \
				"$WORK/hyperfine.json" "$WORK/time.txt" >>"$RUNS"
		done
		say "$input: round $r of $ROUNDS done"
	done
	local latest
	for ((i = 0; i < count; i++)); do
		out=$WORK/out/$input/${names[i]// /_}
		# A command writing into @OUT@/@RUN@ left a folder per run: read the last.
		latest=$(ls -td "$out"/*/ 2>/dev/null | head -1 || true)
		"$BT" stats -input "$input" -tool "${names[i]}" "${latest:-$out/}"*.json >>"$CONTENTS"
	done
}

# wanted NAME: whether INPUTS names this comparison.
wanted() {
	case " $INPUTS " in *" $1 "*) return 0 ;; esac
	return 1
}

SB="$SBOMPIPE sbom --product bench --version v1.0.0 --out @OUT@"
wanted python && for n in $SIZES; do
	dir=$IN/requirements-$n
	measure "requirements-$n" \
		"sbompipe=$SB --python $dir/requirements.txt" \
		"syft=$SYFT scan dir:$dir -q -o cyclonedx-json=@OUT@/syft.cdx.json -o spdx-json=@OUT@/syft.spdx.json"
done

wanted gomod && measure "go-module-syft-$SYFT_VERSION" \
	"sbompipe=$SB --go $IN/gomod" \
	"sbompipe --no-cache=$SB --no-cache --go $IN/gomod" \
	"sbompipe --no-licenses=$SB --no-licenses --go $IN/gomod" \
	"sbompipe --no-licenses --no-cache=$SB --no-licenses --no-cache --go $IN/gomod" \
	"syft=$SYFT scan dir:$IN/gomod -q -o cyclonedx-json=@OUT@/syft.cdx.json -o spdx-json=@OUT@/syft.spdx.json" \
	"cyclonedx-gomod mod=$GOMOD mod -json -output @OUT@/gomod.cdx.json $IN/gomod-src" \
	"cyclonedx-gomod mod -licenses=$GOMOD mod -licenses -json -output @OUT@/gomod.cdx.json $IN/gomod-src"

wanted binary && measure "go-binary-syft-$SYFT_VERSION" \
	"sbompipe=$SB --go-binary $BINARY" \
	"sbompipe --no-cache=$SB --no-cache --go-binary $BINARY" \
	"sbompipe --no-licenses=$SB --no-licenses --go-binary $BINARY" \
	"syft=$SYFT scan file:$BINARY -q -o cyclonedx-json=@OUT@/syft.cdx.json -o spdx-json=@OUT@/syft.spdx.json" \
	"cyclonedx-gomod bin=$GOMOD bin -json -output @OUT@/gomod.cdx.json $BINARY" \
	"cyclonedx-gomod bin -licenses=$GOMOD bin -licenses -json -output @OUT@/gomod.cdx.json $BINARY"

# The release job end to end (issue 7): 300 Python and 200 Go components
# (the first 200 requirements of the module above, offline), both formats,
# into a folder store that holds 1,000 earlier releases. Every run releases
# a new version into a fresh copy of the seeded store.
if wanted release; then
	REL=$IN/release
	mkdir -p "$REL"
	"$BT" requirements -n 300 -seed "$SEED" "$REL/requirements.txt"
	"$BT" gomod-subset -n 200 "$IN/gomod-src" "$REL/gomod"
	if [ ! -f "$WORK/store-seed/index.json" ]; then
		say "seeding a store with 1,000 releases (a few minutes)"
		"$BT" seed-archive -n 1000 -product agent "$WORK/store-seed"
	fi
	rm -rf "$WORK/store"
	cp -R "$WORK/store-seed" "$WORK/store"
	RELEASE="$SBOMPIPE release --product agent --version v9.0.@RUN@ --python $REL/requirements.txt --go $REL/gomod --offline --store file://$WORK/store --out @OUT@/@RUN@"
	measure "release-300-python-200-go-into-1000" \
		"sbompipe=$RELEASE" \
		"sbompipe --no-cache=$RELEASE --no-cache" \
		"sbompipe --no-licenses=$RELEASE --no-licenses"
fi

{
	echo "## Side by side: $(date -u +%Y-%m-%d), $(nproc) cores, $(go env GOVERSION), load average $(cut -d' ' -f1-3 /proc/loadavg)"
	echo
	echo "sbompipe: $SBOMPIPE; syft $SYFT_VERSION; cyclonedx-gomod $CYCLONEDX_GOMOD_VERSION; $ROUNDS rounds; seed $SEED; Go module $MODULE; Go binary $BINARY ($(wc -c <"$BINARY") bytes)"
	echo
	"$BT" report "$RUNS" "$CONTENTS"
} | tee "$WORK/report.md"
say "report: $WORK/report.md"
