// Package sbom inventories the Python and Go components of a release and
// writes them as CycloneDX and SPDX documents.
//
// Collect reads the inputs into a neutral model, BOM: Python requirements
// files (every installed entry, its hashes, extras and markers, and the
// edges of pip-compile's "# via" annotations), Go modules (go.mod, go.sum
// and go.work read offline with golang.org/x/mod, edges from `go mod
// graph` unless offline), Go binaries (debug/buildinfo) and the Go standard
// library. Licenses of Go modules are detected from the license files in
// the module cache; nothing is asserted below the classifier's confidence
// threshold, and Python licenses are left unknown.
//
// Encode writes a BOM as CycloneDX 1.5, 1.6 or 1.7 (JSON or XML, through
// cyclonedx-go; https://cyclonedx.org/specification/overview/) or SPDX 2.3
// (JSON or tag-value, through tools-golang;
// https://spdx.github.io/spdx-spec/v2.3/). Output depends only on the
// BOM: components are sorted, bom-refs and SPDX identifiers are derived
// from content, and the serial number and document namespace are UUIDv5 of
// the document. Collectors record facts only; the caller sets the tool and
// the timestamp.
//
// Not implemented: vendored modules (vendor/modules.txt), build constraints
// (every required module is listed, as `go mod graph` sees them), licenses
// of Python packages, and SPDX 3.
package sbom
