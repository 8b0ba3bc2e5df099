// Command billd is the billd billing and credits server and its administration tools.
//
//	billd serve                 start the HTTP API (SQLite in ./billd-data by default)
//	billd demo                  serve a sample organization with a month of usage, on a store of its own
//	billd verify                re-sum the journal and report accounts whose balance drifted
//	billd clients create|list|revoke   manage API clients on the same store
//	billd catalog apply|show    sync the catalog with a YAML file, or print it
//	billd backup|restore        copy a live SQLite store into a file, or put such a copy back
//	billd bench                 drive a running billd over HTTP and check its books
//	billd version               print the version and the build it comes from (also --version)
//	billd help [COMMAND]        print the commands, or a command's flags (also COMMAND --help)
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// exitCode prints err, if any, once with one "billd: " prefix, and returns the exit status: 0
// without an error, 2 for a mistake in the command line, 1 for any other error.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	fmt.Fprintln(stderr, "billd: "+err.Error())
	if errors.As(err, new(usageError)) {
		return 2
	}
	return 1
}

// usageError is a mistake in the command line.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// command is one command of billd.
type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error
}

// commands are billd's commands, in the order of its help.
var commands = []command{
	{"serve", "start the HTTP API (SQLite in ./billd-data by default)", serve},
	{"demo", "serve a sample organization with a month of usage: the whole product in a minute", demo},
	{"verify", "re-sum the journal and report every account whose stored balance differs", verify},
	{"clients", "manage API clients on the store: create, list, revoke", clients},
	{"catalog", "sync the catalog with a YAML file, or print it: apply, show", catalog},
	{"backup", "write a consistent copy of a live SQLite store into a file", backup},
	{"restore", "put a backup in place of a SQLite store (then run billd verify)", restore},
	{"bench", "drive a running billd with a load scenario and check its books", bench},
	{"version", "print the version and the build it comes from (also: billd --version)", printVersion},
}

// run is billd's main function: args without the program name, the environment through getenv.
// Help asked for (billd help [COMMAND], COMMAND --help) goes to stdout and is no error.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		printUsage(stderr)
		return usageError{"no command given"}
	}
	name, rest := args[0], args[1:]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(rest) == 0 {
			printUsage(stdout)
			return nil
		}
		name, rest = rest[0], []string{"--help"}
	case "-version", "--version":
		name = "version"
	}
	for _, c := range commands {
		if c.name == name {
			if err := c.run(ctx, rest, getenv, stdout, stderr); !errors.Is(err, flag.ErrHelp) {
				return err
			}
			return nil
		}
	}
	printUsage(stderr)
	return usageError{fmt.Sprintf("unknown command %q", name)}
}

// printUsage prints the list of commands.
func printUsage(w io.Writer) {
	fmt.Fprint(w, "usage: billd <command> [flags]\n\ncommands:\n")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "  %-9s %s\n", "help", "print this help, or a command's: billd help COMMAND")
	fmt.Fprint(w, "\nRun 'billd help COMMAND' (or 'billd COMMAND --help') for the flags of a command.\n")
}

// newFlags returns the flag set of the command name (its errors start with name); its help starts
// "usage: billd <synopsis>", then says what the command does and lists its flags.
func newFlags(name, synopsis, about string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: billd %s\n\n%s\n", synopsis, about)
		printFlags(fs.Output(), "flags", fs)
	}
	return fs
}

// printFlags lists the flags of fs under a heading, if it has any: each with its default and its
// environment variable (see config.go), in one format: (default: X; env: BILLD_Y). A usage says
// what a flag's zero value means ("0: 4096") in its text, never "(default …)", and a default is
// never read from the environment, which would print a secret in the help.
func printFlags(w io.Writer, heading string, fs *flag.FlagSet) {
	has := false
	fs.VisitAll(func(*flag.Flag) { has = true })
	if !has {
		return
	}
	fmt.Fprintf(w, "\n%s:\n", heading)
	fs.VisitAll(func(f *flag.Flag) {
		typ, usage := flag.UnquoteUsage(f)
		where := "default: " + cmp.Or(f.DefValue, "none") + "; env: " + envName(f.Name)
		fmt.Fprintf(w, "  -%s %s\n    \t%s\n    \t(%s)\n", f.Name, typ, strings.ReplaceAll(usage, "\n", "\n    \t"), where)
	})
}

// parseArgs parses a command's flags (as parseFlags) and checks that n arguments follow them.
func parseArgs(fs *flag.FlagSet, args []string, n int, stdout, stderr io.Writer) error {
	if err := parseFlags(fs, args, stdout, stderr); err != nil {
		return err
	}
	if fs.NArg() != n {
		fs.SetOutput(stderr)
		fs.Usage()
		return usageError{fmt.Sprintf("%s: want %d arguments, got %q (flags go before the arguments)", fs.Name(), n, fs.Args())}
	}
	return nil
}

// parseFlags parses a command's flags. -h or --help prints the command's help on stdout and
// returns flag.ErrHelp (billd then exits 0); a mistake prints it on stderr and returns a
// usageError. A command with --config (registerConfig) then takes the values of the flags the
// command line left unset from the environment and the file.
func parseFlags(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) error {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.SetOutput(stdout)
		fs.Usage()
	case err != nil:
		fs.SetOutput(stderr)
		fs.Usage()
		err = usageError{fs.Name() + ": " + err.Error()}
	}
	fs.SetOutput(stderr)
	if c := configOf(fs); err == nil && c != nil {
		err = applyConfig(fs, c)
	}
	return err
}
