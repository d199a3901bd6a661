package debpkg

import (
	"os"
	"strings"
	"testing"
)

func TestMirrorURL(t *testing.T) {
	files := map[string]string{
		"/etc/apt/sources.list.d/debian.sources": "Types: deb\nURIs: http://security.example/ http://deb.example/debian/\nSuites: sid\n",
	}
	read := func(p string) ([]byte, error) {
		if d, ok := files[p]; ok {
			return []byte(d), nil
		}
		return nil, os.ErrNotExist
	}
	noenv := func(string) string { return "" }
	if got, err := MirrorURL(noenv, read); err != nil || got != "http://deb.example/debian" {
		t.Errorf("MirrorURL = %q, %v", got, err)
	}
	env := func(k string) string {
		if k == MirrorEnv {
			return "http://override.example/"
		}
		return ""
	}
	if got, _ := MirrorURL(env, read); got != "http://override.example" {
		t.Errorf("MirrorURL with %s = %q", MirrorEnv, got)
	}
	delete(files, "/etc/apt/sources.list.d/debian.sources")
	files["/etc/apt/sources.list"] = "# c\ndeb [arch=amd64] http://one.example/debian sid main\n"
	if got, err := MirrorURL(noenv, read); err != nil || got != "http://one.example/debian" {
		t.Errorf("MirrorURL from sources.list = %q, %v", got, err)
	}
	delete(files, "/etc/apt/sources.list")
	if _, err := MirrorURL(noenv, read); err == nil || !strings.Contains(err.Error(), MirrorEnv) {
		t.Errorf("MirrorURL without sources = %v, want an error naming %s", err, MirrorEnv)
	}
}
