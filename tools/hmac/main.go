// Command hmac signs the FIPS 140 module with HMAC-SHA256, keyed with
// CONFIG_CRYPTO_FIPS140_HMAC_KEY, and checks such a signature.
//
//	hmac sign   --config .config --module fips140.ko --out .fips140.hmac
//	hmac verify --config .config --module fips140.ko --digest .fips140.hmac
//
// --key KEY may replace --config. Arguments may come from @paramfiles.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/rules-fips140/rules_fips140/tools/internal/integrity"
	"github.com/rules-fips140/rules_fips140/tools/internal/paramfile"
)

const usage = `usage:
  hmac sign   (--config .config | --key KEY) --module FILE --out FILE [--min-key-len N]
  hmac verify (--config .config | --key KEY) --module FILE --digest FILE [--min-key-len N]
`

type options struct {
	verb      string // "sign" or "verify"
	config    string
	key       string
	module    string
	out       string // sign
	digest    string // verify
	minKeyLen int
}

func main() {
	args, err := paramfile.Expand(os.Args[1:])
	if err != nil {
		fmt.Fprintf(os.Stderr, "hmac: %v\n", err)
		os.Exit(2)
	}
	opts, err := parseArgs(args, os.Stderr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "hmac: %v\n%s", err, usage)
		os.Exit(2)
	}
	os.Exit(run(opts, os.Stderr))
}

func parseArgs(args []string, stderr io.Writer) (options, error) {
	var o options
	if len(args) == 0 {
		return o, errors.New("no verb")
	}
	o.verb = args[0]
	fs := flag.NewFlagSet("hmac "+o.verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.config, "config", "", "kernel .config holding CONFIG_"+integrity.KeySymbol)
	fs.StringVar(&o.key, "key", "", "the HMAC key itself, instead of --config")
	fs.StringVar(&o.module, "module", "", "the module file (fips140.ko)")
	fs.IntVar(&o.minKeyLen, "min-key-len", integrity.DefaultMinKeyLen, "refuse keys shorter than this many bytes")
	switch o.verb {
	case "sign":
		fs.StringVar(&o.out, "out", "", "where to write the raw 32-byte digest")
	case "verify":
		fs.StringVar(&o.digest, "digest", "", "the digest file to check")
	default:
		return o, fmt.Errorf("unknown verb %q", o.verb)
	}
	if err := fs.Parse(args[1:]); err != nil {
		return o, err
	}
	switch {
	case fs.NArg() > 0:
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case (o.config == "") == (o.key == ""):
		return o, errors.New("give exactly one of --config and --key")
	case o.module == "":
		return o, errors.New("--module is required")
	case o.verb == "sign" && o.out == "":
		return o, errors.New("--out is required")
	case o.verb == "verify" && o.digest == "":
		return o, errors.New("--digest is required")
	case o.minKeyLen < 0:
		return o, errors.New("--min-key-len must not be negative")
	}
	return o, nil
}

func run(o options, stderr io.Writer) int {
	if err := runErr(o, stderr); err != nil {
		fmt.Fprintf(stderr, "hmac %s: %v\n", o.verb, err)
		return 1
	}
	return 0
}

func runErr(o options, stderr io.Writer) error {
	key := integrity.Key{Bytes: []byte(o.key), Source: "--key"}
	if o.config != "" {
		var err error
		warn := func(msg string) { fmt.Fprintf(stderr, "hmac %s: warning: %s\n", o.verb, msg) }
		if key, err = integrity.KeyFromConfig(o.config, o.minKeyLen, warn); err != nil {
			return err
		}
	} else if err := integrity.CheckKey(key, o.minKeyLen); err != nil {
		return err
	}
	if o.verb == "verify" {
		return integrity.Verify(o.module, o.digest, key)
	}
	sum, err := integrity.Sum(o.module, key.Bytes)
	if err != nil {
		return err
	}
	return integrity.WriteDigest(o.out, sum)
}
