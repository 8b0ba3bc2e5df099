// Command report-usage is docs/api.md's Go example: a metering service reports one usage of an
// account with billd's Go client (github.com/billd/billd/client, over the Frontier REST paths) and
// prints the balance before and after. Its configuration is the guide's shell variables:
//
//	BILLD=http://127.0.0.1:7400 METER_ID=… METER_SECRET=… ORG=… ACC=… \
//	  go run ./examples/go/report-usage -amount 25 -source gpu
//
// The usage id is the idempotency key: a retry with the same id (-id) never debits twice.
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/billd/billd/client"
)

func main() {
	if err := run(os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "report-usage:", err)
		os.Exit(1)
	}
}

// run reports the usage the flags describe and prints the balance before and after it.
func run(args []string, getenv func(string) string, stdout io.Writer) error {
	flags := flag.NewFlagSet("report-usage", flag.ContinueOnError)
	amount := flags.Int64("amount", 1, "credits to debit (> 0)")
	source := flags.String("source", "example", "what was used, as the journal names it")
	id := flags.String("id", "", "the usage id, a UUID (default: a new one)")
	if err := flags.Parse(args); err != nil {
		return err
	}
	env := map[string]string{}
	for _, name := range []string{"BILLD", "METER_ID", "METER_SECRET", "ORG", "ACC"} {
		if env[name] = getenv(name); env[name] == "" {
			return errors.New(name + " is not set (see docs/api.md)")
		}
	}
	if *id == "" {
		*id = newUUID()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	meter := client.New(env["BILLD"], env["METER_ID"], env["METER_SECRET"], 1)
	before, err := meter.Balance(ctx, env["ORG"], env["ACC"])
	if err != nil {
		return err
	}
	usage := client.Usage{ID: *id, Amount: client.Int64(*amount), Source: *source}
	if err := meter.ReportUsage(ctx, env["ORG"], env["ACC"], []client.Usage{usage}); err != nil {
		return err
	}
	after, err := meter.Balance(ctx, env["ORG"], env["ACC"])
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "usage %s: balance %d -> %d\n", *id, before, after)
	return err
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
