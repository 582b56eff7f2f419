// Package lockfile reads, verifies and writes pip requirements files.
//
// Parse reads a requirements file the way pip does (pip's req_file.py):
// encodings and BOMs, every line break Python's str.splitlines knows,
// backslash continuations, comments only at line start or after whitespace,
// ${VAR} expansion, global and per-requirement options, -r and -c includes
// relative to the including file. It keeps what generators add around the
// entries: pip-compile's and uv's header, "# via" annotations and the
// unsafe-packages trailer.
package lockfile
