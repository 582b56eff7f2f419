// Package archive keeps a product's SBOM documents in an immutable
// per-release store and publishes the index that the website's /sbom page
// serves: index.json, a static index.html with sbom.css, and an Atom feed.
//
// A store is a gocloud.dev/blob bucket: a folder (file://, the default) or
// object storage (s3://, including S3-compatible services through the
// endpoint parameter). Its layout:
//
//	index.json  index.html  feed.xml  sbom.css  favicon.svg  site.json
//	<product>/<release>/<product>_<release>.cdx.json   (and .cdx.xml, .spdx.json, .spdx)
//	<product>/<release>/SHA256SUMS
//	<product>/<release>/release.json
//
// release.json records what the index needs about a release that the
// documents cannot say themselves: when it was published and which
// documents --replace replaced, with the old digests. site.json holds the
// page's contact address and the feed's permanent id. The index files are a
// function of these files alone, so regenerating them reproduces them byte
// for byte; the index's "generated" time is the newest event in the store,
// not the clock.
//
// Writes go in the order documents, SHA256SUMS, release.json, then the
// index files (index.json last), so a reader never sees an index entry whose
// files are missing. On file stores every write is a temporary file, fsync
// and rename, and writers hold an exclusive lock on .sbompipe.lock; on object
// stores release objects are written with If-None-Match: * and index.json
// is replaced only while its ETag is unchanged, retrying on conflict.
//
// Fetch downloads a document named by a published index.json and proves it
// matches; Handler serves a store read-only with the headers of a trust page.
//
// Not implemented: signatures over the index or the documents (fetch proves
// a document matches the index it was served with, not who published it),
// stores other than folders and S3, and the TEA API.
package archive
