// Package lockfile reads, verifies and writes pip requirements files.
//
// Parse reads a requirements file the way pip does (pip's req_file.py and
// req/constructors.py; the numbered rules of the project's reference
// requirements-files.md, section 1): encodings and BOMs, every line break
// Python's str.splitlines knows, backslash continuations joined with
// nothing inserted, comments only at line start or after whitespace,
// ${VAR} expansion, global and per-requirement options, -r and -c includes
// relative to the including file (cycles found by file identity, through
// symbolic links too; regular files of at most MaxFileSize only, at most
// 64 deep and 1000 files), PEP 508 requirements
// (https://packaging.python.org/en/latest/specifications/dependency-specifiers/),
// URLs, paths, editables and VCS links. It keeps what generators add
// around the entries: pip-compile's and uv's header, "# via" annotations
// and the unsafe-packages trailer. One call reports every bad line, each as
// "file:line: message". In lax mode (the default) it keeps every entry it
// can; in strict mode it also returns the problems as an ErrorList.
//
// Not implemented: remote requirements files (-r https://…) are not fetched
// and are reported as problems; a file reached twice the same way (-r, or
// -c) is read once, where pip would process its lines twice; local paths are
// classified from their spelling, without looking at the disk.
package lockfile
