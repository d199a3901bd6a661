// Command fips140 shows and checks the FIPS 140 module embedded in a vmlinux.
//
//	fips140 inspect [--json] VMLINUX
//	fips140 extract [--region fips140.ko] -o OUT VMLINUX
//	fips140 verify  [--json] (--config .config | --key KEY) [--min-key-len N] VMLINUX
//	fips140 verify  [--json] --provenance P.json [--config .config | --key KEY] VMLINUX
//
// inspect lists the embedded sections (module, digest, BTF, and the
// nonfips140 ones) with their bounding symbols and sizes. extract writes one
// blob out. verify checks that the module is an ET_REL module named fips140
// for vmlinux's architecture, that the blobs sit between their symbols, and
// that the digest is the module's HMAC-SHA256. With --provenance it also
// checks vmlinux against a provenance record (fips140_provenance.json):
// vmlinux's sha256 is a subject, the embedded module, digest and
// nonfips140 module are the recorded ones, and a given key is the recorded
// one (length and sha256); without a key only those checks run. Exit status: 0 when all is
// well, 1 when a check fails or an input is bad, 2 on a usage error.
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/rules-fips140/rules_fips140/tools/internal/atomicfile"
	"github.com/rules-fips140/rules_fips140/tools/internal/fipsimage"
	"github.com/rules-fips140/rules_fips140/tools/internal/integrity"
	"github.com/rules-fips140/rules_fips140/tools/internal/paramfile"
	"github.com/rules-fips140/rules_fips140/tools/internal/provenance"
)

const usage = `usage:
  fips140 inspect [--json] VMLINUX
  fips140 extract [--region NAME] -o OUT VMLINUX
  fips140 verify  [--json] (--config .config | --key KEY) [--min-key-len N] VMLINUX
  fips140 verify  [--json] --provenance P.json [--config .config | --key KEY] VMLINUX
`

type options struct {
	verb      string
	vmlinux   string
	json      bool
	region    string // extract
	out       string // extract
	config    string // verify
	key       string // verify
	minKeyLen int    // verify
	prov      string // verify
}

func main() {
	os.Exit(runArgs(os.Args[1:], os.Stdout, os.Stderr))
}

func runArgs(args []string, stdout, stderr io.Writer) int {
	args, err := paramfile.Expand(args)
	if err != nil {
		fmt.Fprintf(stderr, "fips140: %v\n", err)
		return 2
	}
	opts, err := parseArgs(args, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "fips140: %v\n%s", err, usage)
		return 2
	}
	if err := run(opts, stdout); err != nil {
		fmt.Fprintf(stderr, "fips140: %v\n", err)
		return 1
	}
	return 0
}

func parseArgs(args []string, stderr io.Writer) (options, error) {
	var o options
	if len(args) == 0 {
		return o, errors.New("no verb")
	}
	o.verb = args[0]
	fs := flag.NewFlagSet("fips140 "+o.verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	switch o.verb {
	case "inspect":
		fs.BoolVar(&o.json, "json", false, "print JSON")
	case "extract":
		fs.StringVar(&o.region, "region", "fips140.ko", "which blob: "+regionNames())
		fs.StringVar(&o.out, "o", "", "output file")
	case "verify":
		fs.BoolVar(&o.json, "json", false, "print JSON")
		fs.StringVar(&o.config, "config", "", "kernel .config holding CONFIG_"+integrity.KeySymbol)
		fs.StringVar(&o.key, "key", "", "the HMAC key itself, instead of --config")
		fs.IntVar(&o.minKeyLen, "min-key-len", integrity.DefaultMinKeyLen, "refuse keys shorter than this many bytes")
		fs.StringVar(&o.prov, "provenance", "", "a provenance record (in-toto/SLSA JSON) to check vmlinux against")
	default:
		return o, fmt.Errorf("unknown verb %q", o.verb)
	}
	if err := fs.Parse(args[1:]); err != nil {
		return o, err
	}
	if fs.NArg() != 1 {
		return o, errors.New("give exactly one VMLINUX")
	}
	o.vmlinux = fs.Arg(0)
	switch {
	case o.verb == "extract" && o.out == "":
		return o, errors.New("-o is required")
	case o.verb == "extract" && !isRegion(o.region):
		return o, fmt.Errorf("unknown region %q; want one of %s", o.region, regionNames())
	case o.verb == "verify" && o.config != "" && o.key != "":
		return o, errors.New("give exactly one of --config and --key, not both")
	case o.verb == "verify" && o.prov == "" && o.config == "" && o.key == "":
		return o, errors.New("give exactly one of --config and --key (or --provenance)")
	}
	return o, nil
}

func regionNames() string {
	var names []string
	for _, k := range fipsimage.Regions() {
		names = append(names, k.Name)
	}
	return strings.Join(names, ", ")
}

func isRegion(name string) bool {
	for _, k := range fipsimage.Regions() {
		if k.Name == name {
			return true
		}
	}
	return false
}

func run(o options, stdout io.Writer) error {
	img, err := fipsimage.Open(o.vmlinux)
	if err != nil {
		return err
	}
	switch o.verb {
	case "inspect":
		return inspect(img, o.json, stdout)
	case "extract":
		r, ok := img.Region(o.region)
		if !ok {
			return fmt.Errorf("%s: no embedded %s (section %s)", o.vmlinux, o.region, sectionOf(o.region))
		}
		return atomicfile.WriteBytes(o.out, r.Data)
	default:
		return verify(img, o, stdout)
	}
}

func sectionOf(region string) string {
	for _, k := range fipsimage.Regions() {
		if k.Name == region {
			return k.Section
		}
	}
	return "?"
}

type regionReport struct {
	fipsimage.Region
	Size   uint64 `json:"size"`
	SHA256 string `json:"sha256"`
}

type inspectReport struct {
	Path    string         `json:"path"`
	Arch    string         `json:"arch"`
	Type    string         `json:"elf_type"`
	Regions []regionReport `json:"regions"`
}

func inspect(img *fipsimage.Image, asJSON bool, w io.Writer) error {
	rep := inspectReport{Path: img.Path, Arch: img.Arch.String(), Type: img.Type.String(), Regions: []regionReport{}}
	for _, r := range img.Regions {
		sum := sha256.Sum256(r.Data)
		rep.Regions = append(rep.Regions, regionReport{Region: r, Size: r.Size(), SHA256: hex.EncodeToString(sum[:])})
	}
	if asJSON {
		return writeJSON(w, rep)
	}
	fmt.Fprintf(w, "%s: %s %s\n", rep.Path, rep.Arch, rep.Type)
	if len(rep.Regions) == 0 {
		fmt.Fprintln(w, "no embedded FIPS 140 sections")
	}
	for _, r := range rep.Regions {
		edges := "on the section edges"
		if !r.OnEdges {
			edges = "NOT on the section edges"
		}
		fmt.Fprintf(w, "%-15s %-21s %8d bytes  sha256 %s\n", r.Name, r.Section, r.Size, r.SHA256)
		fmt.Fprintf(w, "%-15s %s=%#x %s=%#x (%s)\n", "", r.Start, r.StartAddr, r.End, r.EndAddr, edges)
	}
	return nil
}

func verify(img *fipsimage.Image, o options, w io.Writer) error {
	var key *integrity.Key
	switch {
	case o.config != "":
		k, err := integrity.KeyFromConfig(o.config, o.minKeyLen, nil)
		if err != nil {
			return err
		}
		key = &k
	case o.key != "":
		k := integrity.Key{Bytes: []byte(o.key), Source: "--key"}
		if err := integrity.CheckKey(k, o.minKeyLen); err != nil {
			return err
		}
		key = &k
	}
	var checks []fipsimage.Check
	if key != nil {
		checks = fipsimage.Verify(img, *key)
	}
	if o.prov != "" {
		st, err := provenance.ReadFile(o.prov)
		if err != nil {
			return err
		}
		checks = append(checks, provenance.Verify(st, o.prov, img, key)...)
	}
	failed := 0
	for _, c := range checks {
		if !c.OK {
			failed++
		}
	}
	if o.json {
		if err := writeJSON(w, struct {
			Path   string            `json:"path"`
			OK     bool              `json:"ok"`
			Checks []fipsimage.Check `json:"checks"`
		}{img.Path, failed == 0, checks}); err != nil {
			return err
		}
	} else {
		for _, c := range checks {
			status := "ok  "
			if !c.OK {
				status = "FAIL"
			}
			fmt.Fprintf(w, "%s %s: %s\n", status, c.Name, c.Detail)
		}
	}
	if failed > 0 {
		return fmt.Errorf("%s: %d of %d checks failed", img.Path, failed, len(checks))
	}
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
