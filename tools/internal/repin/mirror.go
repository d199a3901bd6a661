package repin

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Source serves the files of a Debian mirror by their path under its root.
type Source interface {
	Get(path string) ([]byte, error)
}

// HTTPMirror is a Debian mirror reached over HTTP.
type HTTPMirror struct {
	Base   string // without a trailing slash
	Client *http.Client
}

// Get downloads one file of the mirror.
func (m HTTPMirror) Get(path string) ([]byte, error) {
	c := m.Client
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Minute}
	}
	resp, err := c.Get(m.Base + "/" + path)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: HTTP %s", path, resp.Status)
	}
	return io.ReadAll(resp.Body)
}

// ReadIndex fetches sid's InRelease and the main Packages index of each
// architecture (compressed with gzip), checks each index against the sums
// InRelease lists for it, and parses them.
func ReadIndex(src Source, archs []string) (*Release, *Index, error) {
	const dists = "dists/sid/"
	data, err := src.Get(dists + "InRelease")
	if err != nil {
		return nil, nil, fmt.Errorf("reading the mirror's sid index: %w", err)
	}
	rel, err := ParseRelease(dists+"InRelease", data)
	if err != nil {
		return nil, nil, err
	}
	var all []Entry
	for _, arch := range archs {
		name := "main/binary-" + arch + "/Packages"
		gz, err := src.Get(dists + name + ".gz")
		if err != nil {
			return nil, nil, fmt.Errorf("reading the mirror's sid index: %w", err)
		}
		zr, err := gzip.NewReader(bytes.NewReader(gz))
		if err != nil {
			return nil, nil, fmt.Errorf("%s%s.gz: %w", dists, name, err)
		}
		text, err := io.ReadAll(zr)
		if err != nil {
			return nil, nil, fmt.Errorf("%s%s.gz: %w", dists, name, err)
		}
		want, ok := rel.SHA256[name]
		if !ok {
			return nil, nil, fmt.Errorf("%sInRelease lists no SHA256 of %s", dists, name)
		}
		if got := sum(text); got != want.SHA256 || int64(len(text)) != want.Size {
			return nil, nil, fmt.Errorf("%s%s: sha256 %s and %d bytes, InRelease says %s and %d: the mirror is mid-update; try again", dists, name, got, len(text), want.SHA256, want.Size)
		}
		entries, err := ParsePackages(dists+name, bytes.NewReader(text))
		if err != nil {
			return nil, nil, err
		}
		all = append(all, entries...)
	}
	return rel, NewIndex(all), nil
}

func sum(data []byte) string {
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:])
}
