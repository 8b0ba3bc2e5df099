package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/billd/billd"
)

// clients manages API clients directly on the store, with the store's own authority.
func clients(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{"clients: want create, list or revoke"}
	}
	fs := flag.NewFlagSet("clients "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sf storeFlags
	sf.register(fs, getenv)
	role := fs.String("role", "", "create: admin or meter (platform), or owner, admin or member (with --org)")
	org := fs.String("org", "", "create: organization id of an organization client")
	name := fs.String("name", "", "create: a name to recognise the client by")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	run := map[string]func(context.Context, *billd.Service) error{
		"create": func(ctx context.Context, svc *billd.Service) error {
			if *role == "" {
				return usageError{"clients create: --role is required"}
			}
			nc, err := svc.CreateClient(ctx, billd.SystemPrincipal, billd.ClientInput{Name: *name, Role: billd.Role(*role), OrgID: *org})
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "client_id:     %s\nclient_secret: %s\napi_key:       %s\n", nc.Client.ID, nc.Secret, nc.APIKey)
			return nil
		},
		"list": func(ctx context.Context, svc *billd.Service) error {
			return listClients(ctx, svc, *org, stdout)
		},
		"revoke": func(ctx context.Context, svc *billd.Service) error {
			if fs.NArg() != 1 {
				return usageError{"clients revoke: give exactly one client id"}
			}
			return svc.RevokeClient(ctx, billd.SystemPrincipal, fs.Arg(0))
		},
	}[args[0]]
	if run == nil {
		return usageError{fmt.Sprintf("clients: unknown subcommand %q; want create, list or revoke", args[0])}
	}
	db, svc, _, err := sf.open(ctx, stderr, true)
	if err != nil {
		return err
	}
	defer db.Close()
	return run(ctx, svc)
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
