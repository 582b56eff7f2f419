package sbom

import "fmt"

// python adds the entries of a requirements file.
//
// TODO(#3): build on lockfile.Parse once the lockfile branch lands.
func (b *builder) python(path string) error {
	return fmt.Errorf("reading %s: Python requirements are not supported yet", path)
}
