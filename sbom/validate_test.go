package sbom

import (
	"testing"

	"github.com/sentrikat/sbompipe/internal/sbomcheck"
)

// validate checks an encoded document with sbomcheck and fails the test
// when it is not valid.
func validate(t *testing.T, data []byte, f Format, cdxVersion string) {
	t.Helper()
	if err := sbomcheck.Document(t, data, string(f), cdxVersion); err != nil {
		t.Errorf("%s document %s is not valid:\n%v", f, cdxVersion, err)
	}
}
