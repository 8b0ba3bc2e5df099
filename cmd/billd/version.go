package main

import (
	"context"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
)

// version is set at build time with -ldflags "-X main.version=..."; otherwise billd reports the
// module version the go command stamped into the binary.
var version = "dev"

// printVersion prints the version and the build it comes from.
func printVersion(_ context.Context, args []string, _ func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("version", "version", "print billd's version, the module version and VCS revision it was built from, and its Go version")
	if err := parseArgs(fs, args, 0, stdout, stderr); err != nil {
		return err
	}
	bi, ok := debug.ReadBuildInfo()
	fmt.Fprint(stdout, versionText(version, bi, ok))
	return nil
}

// versionText describes a build: its version (the one set at build time, else the module's), the
// module path and version, the VCS revision, its time and whether the tree had changes, and the Go
// version. Without build information it is the version alone.
func versionText(set string, bi *debug.BuildInfo, ok bool) string {
	if !ok {
		return "billd " + set + "\n"
	}
	vcs := map[string]string{}
	for _, s := range bi.Settings {
		vcs[s.Key] = s.Value
	}
	v := set
	if v == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v = bi.Main.Version
	}
	var b strings.Builder
	fmt.Fprintf(&b, "billd %s\n", v)
	if bi.Main.Path != "" {
		fmt.Fprintf(&b, "module:   %s %s\n", bi.Main.Path, bi.Main.Version)
	}
	if rev := vcs["vcs.revision"]; rev != "" {
		fmt.Fprintf(&b, "revision: %s", rev)
		if t := vcs["vcs.time"]; t != "" {
			fmt.Fprintf(&b, " (%s)", t)
		}
		if vcs["vcs.modified"] == "true" {
			b.WriteString(", modified")
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "go:       %s\n", bi.GoVersion)
	return b.String()
}
