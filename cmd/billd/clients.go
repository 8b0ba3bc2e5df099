package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/billd/billd"
	"github.com/billd/billd/sqlstore"
)

// clientsAbout says what billd clients does.
const clientsAbout = "Manage API clients directly on an existing store, with the store's own authority (a running\n" +
	"server sees a revocation within its --auth-cache-ttl). Secrets and API keys are printed once."

// clientsCommand is a subcommand of billd clients.
type clientsCommand struct {
	name, synopsis string
	args           int // how many arguments follow the flags
	// flags registers the subcommand's own flags (those of sf it takes beyond the store flags
	// every subcommand has) and returns what it does once they are parsed.
	flags func(fs *flag.FlagSet, sf *storeFlags) clientsAction
}

// clientsAction does a subcommand's work on the arguments after the flags; it opens the store with
// open once it found its flags good.
type clientsAction func(ctx context.Context, open func() (*billd.Service, error), args []string, stdout io.Writer) error

// clientsCommands are the subcommands of billd clients.
var clientsCommands = []clientsCommand{
	{"create", "clients create --role ROLE [--org ID] [--name NAME] [store flags]", 0, clientsCreate},
	{"list", "clients list [--org ID] [store flags]", 0, clientsList},
	{"revoke", "clients revoke [store flags] CLIENT_ID", 1, clientsRevoke},
}

// clients manages API clients directly on the store.
func clients(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		printClientsUsage(stderr, getenv)
		return usageError{"clients: want create, list or revoke"}
	}
	var sub *clientsCommand
	for i, c := range clientsCommands {
		if c.name == args[0] {
			sub = &clientsCommands[i]
		}
	}
	switch {
	case args[0] == "help" || args[0] == "-h" || args[0] == "-help" || args[0] == "--help":
		printClientsUsage(stdout, getenv)
		return nil
	case sub == nil:
		printClientsUsage(stderr, getenv)
		return usageError{fmt.Sprintf("clients: unknown subcommand %q; want create, list or revoke", args[0])}
	}
	fs := newFlags("clients "+sub.name, sub.synopsis, clientsAbout)
	var sf storeFlags
	act := sub.flags(fs, &sf)
	sf.register(fs, getenv)
	if err := parseArgs(fs, args[1:], sub.args, stdout, stderr); err != nil {
		return err
	}
	var db *sqlstore.DB
	var svc *billd.Service
	defer func() {
		if db != nil {
			svc.Close()
			db.Close()
		}
	}()
	open := func() (*billd.Service, error) {
		var err error
		db, svc, _, err = sf.open(ctx, stderr, true)
		return svc, err
	}
	return act(ctx, open, fs.Args(), stdout)
}

// printClientsUsage prints the synopsis of each subcommand and every flag.
func printClientsUsage(w io.Writer, getenv func(string) string) {
	for i, c := range clientsCommands {
		prefix := "usage: "
		if i > 0 {
			prefix = "       "
		}
		fmt.Fprintf(w, "%sbilld %s\n", prefix, c.synopsis)
	}
	fmt.Fprintf(w, "\n%s\n", clientsAbout)
	for _, c := range clientsCommands {
		fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
		c.flags(fs, new(storeFlags))
		printFlags(w, "flags of "+c.name, fs)
	}
	var sf storeFlags
	fs := flag.NewFlagSet("store", flag.ContinueOnError)
	sf.register(fs, getenv)
	printFlags(w, "store flags (every subcommand)", fs)
}

// clientsCreate takes the limit flags of serve: the organization's quota of clients applies.
func clientsCreate(fs *flag.FlagSet, sf *storeFlags) clientsAction {
	sf.registerLimits(fs)
	role := fs.String("role", "", "admin or meter (platform clients), or owner, admin or member (an organization's, with --org)")
	org := fs.String("org", "", "the organization of an organization client")
	name := fs.String("name", "", "a name to recognise the client by")
	return func(ctx context.Context, open func() (*billd.Service, error), _ []string, stdout io.Writer) error {
		if *role == "" {
			return usageError{"clients create: --role is required"}
		}
		svc, err := open()
		if err != nil {
			return err
		}
		nc, err := svc.CreateClient(ctx, billd.SystemPrincipal, billd.ClientInput{Name: *name, Role: billd.Role(*role), OrgID: *org})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "client_id:     %s\nclient_secret: %s\napi_key:       %s\n", nc.Client.ID, nc.Secret, nc.APIKey)
		return nil
	}
}

func clientsList(fs *flag.FlagSet, _ *storeFlags) clientsAction {
	org := fs.String("org", "", "list only the clients of this organization")
	return func(ctx context.Context, open func() (*billd.Service, error), _ []string, stdout io.Writer) error {
		svc, err := open()
		if err != nil {
			return err
		}
		return listClients(ctx, svc, *org, stdout)
	}
}

func clientsRevoke(*flag.FlagSet, *storeFlags) clientsAction {
	return func(ctx context.Context, open func() (*billd.Service, error), args []string, stdout io.Writer) error {
		svc, err := open()
		if err != nil {
			return err
		}
		if err := svc.RevokeClient(ctx, billd.SystemPrincipal, args[0]); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "revoked client %s\n", args[0])
		return nil
	}
}

// listClients prints every unrevoked client, page after page.
func listClients(ctx context.Context, svc *billd.Service, org string, stdout io.Writer) error {
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tROLE\tORG\tNAME\tCREATED")
	page := billd.PageRequest{PageSize: billd.MaxPageSize}
	for {
		p, err := svc.ListClients(ctx, billd.SystemPrincipal, org, page)
		if err != nil {
			return err
		}
		for _, c := range p.Items {
			orgID := c.OrgID
			if orgID == "" {
				orgID = "-"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.ID, c.Role, orgID, c.Name, c.CreatedAt.Format("2006-01-02T15:04:05Z"))
		}
		if p.NextPageToken == "" {
			return tw.Flush()
		}
		page.PageToken = p.NextPageToken
	}
}
