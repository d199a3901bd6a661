// Command reapishim is a test fixture: it serves the Remote Execution API on
// a loopback address and forwards every call to an upstream REAPI server
// (buildbox-casd), changing the two calls Bazel 7.7.1 and casd disagree on.
// See package reapishim and docs/remote.md.
//
//	reapishim -listen 127.0.0.1:0 -upstream unix:/path/casd.sock -address_file FILE
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/rules-fips140/rules_fips140/tests/remote/reapishim"
)

type options struct {
	listen, upstream, addressFile string
	verbose                       bool
}

func main() {
	var opts options
	flag.StringVar(&opts.listen, "listen", "127.0.0.1:0", "address to serve on (port 0: any free port)")
	flag.StringVar(&opts.upstream, "upstream", "", "upstream REAPI server: HOST:PORT or unix:PATH (required)")
	flag.StringVar(&opts.addressFile, "address_file", "", "write the address served on to this file once listening")
	flag.BoolVar(&opts.verbose, "v", false, "log each changed call")
	flag.Parse()
	os.Exit(run(opts))
}

func run(opts options) int {
	logger := log.New(os.Stderr, "reapishim: ", 0)
	if opts.upstream == "" || flag.NArg() > 0 {
		logger.Print("usage: reapishim -upstream HOST:PORT|unix:PATH [-listen ADDR] [-address_file FILE] [-v]")
		return 2
	}
	conn, err := reapishim.Dial(opts.upstream)
	if err != nil {
		logger.Print(err)
		return 1
	}
	defer conn.Close()
	lis, err := net.Listen("tcp", opts.listen)
	if err != nil {
		logger.Printf("listening on %s: %v", opts.listen, err)
		return 1
	}
	var logf func(string, ...any)
	if opts.verbose {
		logf = logger.Printf
	}
	srv := reapishim.New(conn, logf).NewServer()
	if opts.addressFile != "" {
		// Written whole, then renamed: a reader never sees half an address.
		tmp := opts.addressFile + ".tmp"
		if err := os.WriteFile(tmp, []byte(lis.Addr().String()+"\n"), 0o644); err != nil {
			logger.Print(err)
			return 1
		}
		if err := os.Rename(tmp, opts.addressFile); err != nil {
			logger.Print(err)
			return 1
		}
	}
	fmt.Fprintf(os.Stderr, "reapishim: serving on %s, forwarding to %s\n", lis.Addr(), opts.upstream)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-sig
		srv.Stop()
	}()
	if err := srv.Serve(lis); err != nil {
		logger.Printf("serving on %s: %v", lis.Addr(), err)
		return 1
	}
	return 0
}
