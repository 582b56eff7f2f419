package pyindex

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestWheelNameAndRecord(t *testing.T) {
	r := Release{Name: "Zope.Interface", Version: "6.1", RequiresDist: []string{"setuptools"},
		RequiresPython: ">=3.8"}
	name, data, err := Wheel(r, "cp311-cp311-manylinux_2_17_x86_64")
	if err != nil {
		t.Fatal(err)
	}
	if want := "zope_interface-6.1-cp311-cp311-manylinux_2_17_x86_64.whl"; name != want {
		t.Errorf("Wheel name = %q, want %q", name, want)
	}

	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	members := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		members[f.Name] = string(body)
	}
	info := "zope_interface-6.1.dist-info/"
	meta := members[info+"METADATA"]
	for _, want := range []string{"Name: Zope.Interface\n", "Version: 6.1\n",
		"Requires-Dist: setuptools\n", "Requires-Python: >=3.8\n"} {
		if !strings.Contains(meta, want) {
			t.Errorf("METADATA lacks %q:\n%s", want, meta)
		}
	}
	if w := members[info+"WHEEL"]; !strings.Contains(w, "Root-Is-Purelib: false\n") ||
		!strings.Contains(w, "Tag: cp311-cp311-manylinux_2_17_x86_64\n") {
		t.Errorf("WHEEL =\n%s", w)
	}

	// Every RECORD line but its own names a member with its true hash and
	// size, and every member is listed.
	var listed []string
	for _, line := range strings.Split(strings.TrimSpace(members[info+"RECORD"]), "\n") {
		parts := strings.Split(line, ",")
		if len(parts) != 3 {
			t.Fatalf("RECORD line %q: want 3 fields", line)
		}
		listed = append(listed, parts[0])
		if parts[0] == info+"RECORD" {
			continue
		}
		body, ok := members[parts[0]]
		if !ok {
			t.Errorf("RECORD lists %s, which the wheel lacks", parts[0])
		}
		sum := sha256.Sum256([]byte(body))
		want := fmt.Sprintf("sha256=%s", base64.RawURLEncoding.EncodeToString(sum[:]))
		if parts[1] != want || parts[2] != fmt.Sprint(len(body)) {
			t.Errorf("RECORD %s = %s,%s, want %s,%d",
				parts[0], parts[1], parts[2], want, len(body))
		}
	}
	if len(listed) != len(members) {
		t.Errorf("RECORD lists %d files, the wheel has %d", len(listed), len(members))
	}
}

func TestBuildsAreReproducible(t *testing.T) {
	r := Release{Name: "same", Version: "1.0"}
	_, a, _ := Wheel(r, "py3-none-any")
	_, b, _ := Wheel(r, "py3-none-any")
	if !bytes.Equal(a, b) {
		t.Error("two builds of the same wheel differ")
	}
	_, a, _ = Sdist(r)
	_, b, _ = Sdist(r)
	if !bytes.Equal(a, b) {
		t.Error("two builds of the same sdist differ")
	}
}

func TestSdistContents(t *testing.T) {
	name, data, err := Sdist(Release{Name: "Foo-Bar", Version: "2.0rc1",
		RequiresDist: []string{"idna"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := "foo_bar-2.0rc1.tar.gz"; name != want {
		t.Errorf("Sdist name = %q, want %q", name, want)
	}
	gz, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	var got []string
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, hdr.Name)
		if strings.HasSuffix(hdr.Name, "PKG-INFO") {
			body, _ := io.ReadAll(tr)
			if !strings.Contains(string(body), "Requires-Dist: idna\n") {
				t.Errorf("PKG-INFO lacks Requires-Dist:\n%s", body)
			}
		}
	}
	want := []string{"foo_bar-2.0rc1/PKG-INFO", "foo_bar-2.0rc1/pyproject.toml",
		"foo_bar-2.0rc1/pyindex_backend.py", "foo_bar-2.0rc1/foo_bar/__init__.py"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("sdist members (-want +got):\n%s", diff)
	}
}

func TestBadReleases(t *testing.T) {
	for _, r := range []Release{
		{Name: "-leading", Version: "1"},
		{Name: "ok", Version: ""},
		{Name: "ok", Version: "1 0"},
	} {
		if _, _, err := Wheel(r, "py3-none-any"); err == nil {
			t.Errorf("Wheel(%+v) succeeded, want an error", r)
		}
	}
	if _, _, err := Wheel(Release{Name: "ok", Version: "1"}, "py3-any"); err == nil {
		t.Error(`Wheel with tag "py3-any" succeeded, want an error`)
	}
}
