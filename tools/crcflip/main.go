// Command crcflip writes a copy of a module with the CRC of one imported
// symbol in its __versions table changed, for the boot test that shows a
// CONFIG_MODVERSIONS kernel refusing it ("disagrees about version of
// symbol"). Test tooling: not part of the rules.
//
//	crcflip -o OUT [-symbol NAME] MODULE
//
// Without -symbol, the first entry is changed.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/rules-fips140/rules_fips140/tools/internal/atomicfile"
)

func main() {
	out := flag.String("o", "", "the module to write")
	symbol := flag.String("symbol", "", "the imported symbol whose CRC to change (default: the first)")
	flag.Parse()
	if flag.NArg() != 1 || *out == "" {
		fmt.Fprintln(os.Stderr, "usage: crcflip -o OUT [-symbol NAME] MODULE")
		os.Exit(2)
	}
	in := flag.Arg(0)
	data, err := os.ReadFile(in)
	if err != nil {
		fmt.Fprintf(os.Stderr, "crcflip: %v\n", err)
		os.Exit(1)
	}
	name, err := flipCRC(data, in, *symbol)
	if err != nil {
		fmt.Fprintf(os.Stderr, "crcflip: %v\n", err)
		os.Exit(1)
	}
	if err := atomicfile.WriteBytes(*out, data); err != nil {
		fmt.Fprintf(os.Stderr, "crcflip: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("crcflip: changed the CRC of %s\n", name)
}
