package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/billd/billd"
	"github.com/billd/billd/sqlstore"
)

// catalogAbout says what billd catalog does.
const catalogAbout = "Sync the catalog (features, products and their prices, plans) with a YAML file, directly on an\n" +
	"existing store: apply creates what is missing, updates what differs and deactivates the products,\n" +
	"plans and prices the file does not list (features are kept), in one transaction; applying the same\n" +
	"file again changes nothing. show prints the catalog in the same format (show | apply is a no-op)."

// catalogCommand is a subcommand of billd catalog.
type catalogCommand struct {
	name, synopsis string
	// flags registers the subcommand's own flags and returns what it does once they are parsed.
	flags func(fs *flag.FlagSet, sf *storeFlags) catalogAction
}

// catalogAction does a subcommand's work; it opens the store with open once its flags are good.
type catalogAction func(ctx context.Context, open func() (*billd.Service, error), stdout io.Writer) error

// catalogCommands are the subcommands of billd catalog.
var catalogCommands = []catalogCommand{
	{"apply", "catalog apply -f FILE [--dry-run] [store flags]", catalogApply},
	{"show", "catalog show [store flags]", catalogShow},
}

// catalog syncs the catalog with a file, or prints it, directly on the store.
func catalog(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		printCatalogUsage(stderr, getenv)
		return usageError{"catalog: want apply or show"}
	}
	var sub *catalogCommand
	for i, c := range catalogCommands {
		if c.name == args[0] {
			sub = &catalogCommands[i]
		}
	}
	switch {
	case args[0] == "help" || args[0] == "-h" || args[0] == "-help" || args[0] == "--help":
		printCatalogUsage(stdout, getenv)
		return nil
	case sub == nil:
		printCatalogUsage(stderr, getenv)
		return usageError{fmt.Sprintf("catalog: unknown subcommand %q; want apply or show", args[0])}
	}
	fs := newFlags("catalog "+sub.name, sub.synopsis, catalogAbout)
	var sf storeFlags
	act := sub.flags(fs, &sf)
	sf.register(fs, getenv)
	if err := parseArgs(fs, args[1:], 0, stdout, stderr); err != nil {
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
	return act(ctx, open, stdout)
}

// printCatalogUsage prints the synopsis of each subcommand and every flag.
func printCatalogUsage(w io.Writer, getenv func(string) string) {
	for i, c := range catalogCommands {
		prefix := "usage: "
		if i > 0 {
			prefix = "       "
		}
		fmt.Fprintf(w, "%sbilld %s\n", prefix, c.synopsis)
	}
	fmt.Fprintf(w, "\n%s\n", catalogAbout)
	for _, c := range catalogCommands {
		fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
		c.flags(fs, new(storeFlags))
		printFlags(w, "flags of "+c.name, fs)
	}
	var sf storeFlags
	fs := flag.NewFlagSet("store", flag.ContinueOnError)
	sf.register(fs, getenv)
	printFlags(w, "store flags (every subcommand)", fs)
}

// catalogApply takes serve's limit of metadata, which applies to the catalog's.
func catalogApply(fs *flag.FlagSet, sf *storeFlags) catalogAction {
	fs.IntVar(&sf.limits.MaxMetadataBytes, "max-metadata-bytes", billd.DefaultMaxMetadataBytes, "largest metadata of one object, in bytes of JSON")
	file := fs.String("f", "", "the catalog file (YAML); required")
	dryRun := fs.Bool("dry-run", false, "print the changes apply would make, and write nothing")
	return func(ctx context.Context, open func() (*billd.Service, error), stdout io.Writer) error {
		if *file == "" {
			return usageError{"catalog apply: -f FILE is required"}
		}
		spec, err := readCatalogFile(*file)
		if err != nil {
			return err
		}
		svc, err := open()
		if err != nil {
			return err
		}
		changes, err := svc.ApplyCatalog(ctx, billd.SystemPrincipal, spec, *dryRun)
		if err != nil {
			return err
		}
		printCatalogChanges(stdout, changes, *dryRun)
		return nil
	}
}

func catalogShow(*flag.FlagSet, *storeFlags) catalogAction {
	return func(ctx context.Context, open func() (*billd.Service, error), stdout io.Writer) error {
		svc, err := open()
		if err != nil {
			return err
		}
		c, err := svc.Catalog(ctx, billd.SystemPrincipal)
		if err != nil {
			return err
		}
		enc := yaml.NewEncoder(stdout)
		enc.SetIndent(2)
		if err := enc.Encode(catalogFileOf(c)); err != nil {
			return err
		}
		return enc.Close()
	}
}

// printCatalogChanges prints one line per change (not the unchanged ones) and a summary.
func printCatalogChanges(w io.Writer, changes []billd.CatalogChange, dryRun bool) {
	count := map[string]int{}
	for _, c := range changes {
		count[c.Action]++
		if c.Action == billd.ChangeUnchanged {
			continue
		}
		action := c.Action
		if action == billd.ChangeKept {
			action = "keep"
		}
		line := action + " " + c.Kind + " " + c.Name
		if c.Detail != "" {
			line += ": " + c.Detail
		}
		fmt.Fprintln(w, line)
	}
	if dryRun {
		fmt.Fprintf(w, "dry run, nothing written: %d to create, %d to update, %d to deactivate, %d unchanged, %d kept\n",
			count[billd.ChangeCreate], count[billd.ChangeUpdate], count[billd.ChangeDeactivate], count[billd.ChangeUnchanged], count[billd.ChangeKept])
		return
	}
	fmt.Fprintf(w, "applied: %d created, %d updated, %d deactivated, %d unchanged, %d kept\n",
		count[billd.ChangeCreate], count[billd.ChangeUpdate], count[billd.ChangeDeactivate], count[billd.ChangeUnchanged], count[billd.ChangeKept])
}

// readCatalogFile reads one YAML document of a catalog, strictly: an unknown key is an error that
// names its line.
func readCatalogFile(path string) (billd.CatalogSpec, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return billd.CatalogSpec{}, err
	}
	return parseCatalog(path, b)
}

// parseCatalog parses the catalog file path holds, b, as readCatalogFile does.
func parseCatalog(path string, b []byte) (billd.CatalogSpec, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var f catalogFile
	switch err := dec.Decode(&f); {
	case errors.Is(err, io.EOF):
		return billd.CatalogSpec{}, fmt.Errorf("%s holds no catalog (an empty catalog is `{}`)", path)
	case err != nil:
		return billd.CatalogSpec{}, fmt.Errorf("%s: %s", path, yamlMessage(err))
	}
	if err := dec.Decode(new(yaml.Node)); !errors.Is(err, io.EOF) {
		return billd.CatalogSpec{}, fmt.Errorf("%s holds more than one YAML document", path)
	}
	return f.spec(), nil
}

// yamlMessage returns the errors of a YAML decoding on one line, with the file format's names for
// its parts.
func yamlMessage(err error) string {
	var te *yaml.TypeError
	msg := err.Error()
	if errors.As(err, &te) {
		msg = strings.Join(te.Errors, "; ")
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	for _, r := range [][2]string{{"main.catalogFile", "the catalog"}, {"main.catalogFeature", "a feature"},
		{"main.catalogProduct", "a product"}, {"main.catalogPrice", "a price"}, {"main.catalogPlan", "a plan"}} {
		msg = strings.ReplaceAll(msg, "type "+r[0], r[1])
	}
	return msg
}

// showMetadata returns metadata for YAML: numbers as numbers (a json.Number would print as a
// string), so that show | apply is a no-op.
func showMetadata(m billd.Metadata) map[string]any {
	if len(m) == 0 {
		return nil
	}
	return showJSON(map[string]any(m)).(map[string]any)
}

func showJSON(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = showJSON(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = showJSON(e)
		}
		return out
	case json.Number:
		if n, err := v.Int64(); err == nil {
			return n
		}
		if f, err := strconv.ParseFloat(string(v), 64); err == nil {
			return f
		}
		return string(v)
	}
	return v
}

// catalogFile is the YAML format of a catalog, with Frontier's field names.
type catalogFile struct {
	Features []catalogFeature `yaml:"features"`
	Products []catalogProduct `yaml:"products"`
	Plans    []catalogPlan    `yaml:"plans"`
}

type catalogFeature struct {
	Name     string         `yaml:"name"`
	Title    string         `yaml:"title,omitempty"`
	Metadata map[string]any `yaml:"metadata,omitempty"`
}

type catalogProduct struct {
	Name         string         `yaml:"name"`
	Title        string         `yaml:"title,omitempty"`
	Description  string         `yaml:"description,omitempty"`
	State        string         `yaml:"state,omitempty"`
	Behavior     string         `yaml:"behavior,omitempty"`
	CreditAmount int64          `yaml:"credit_amount,omitempty"`
	SeatLimit    int64          `yaml:"seat_limit,omitempty"`
	MinQuantity  int64          `yaml:"min_quantity,omitempty"`
	MaxQuantity  int64          `yaml:"max_quantity,omitempty"`
	Prices       []catalogPrice `yaml:"prices,omitempty"`
	Features     []string       `yaml:"features,omitempty,flow"`
	Metadata     map[string]any `yaml:"metadata,omitempty"`
}

type catalogPrice struct {
	Name             string         `yaml:"name,omitempty"`
	Currency         string         `yaml:"currency,omitempty"`
	Amount           int64          `yaml:"amount"`
	Interval         string         `yaml:"interval,omitempty"`
	UsageType        string         `yaml:"usage_type,omitempty"`
	BillingScheme    string         `yaml:"billing_scheme,omitempty"`
	MeteredAggregate string         `yaml:"metered_aggregate,omitempty"`
	TierMode         string         `yaml:"tier_mode,omitempty"`
	Metadata         map[string]any `yaml:"metadata,omitempty"`
}

type catalogPlan struct {
	Name           string         `yaml:"name"`
	Title          string         `yaml:"title,omitempty"`
	Description    string         `yaml:"description,omitempty"`
	Interval       string         `yaml:"interval"`
	TrialDays      int64          `yaml:"trial_days,omitempty"`
	OnStartCredits int64          `yaml:"on_start_credits,omitempty"`
	State          string         `yaml:"state,omitempty"`
	Products       []string       `yaml:"products,omitempty,flow"`
	Metadata       map[string]any `yaml:"metadata,omitempty"`
}

// spec returns what the file declares.
func (f *catalogFile) spec() billd.CatalogSpec {
	var s billd.CatalogSpec
	for _, in := range f.Features {
		s.Features = append(s.Features, billd.FeatureInput{Name: in.Name, Title: in.Title, Metadata: in.Metadata})
	}
	for _, in := range f.Products {
		p := billd.ProductInput{Name: in.Name, Title: in.Title, Description: in.Description, State: in.State, Behavior: in.Behavior,
			CreditAmount: in.CreditAmount, SeatLimit: in.SeatLimit, MinQuantity: in.MinQuantity, MaxQuantity: in.MaxQuantity,
			Features: in.Features, Metadata: in.Metadata}
		for _, pr := range in.Prices {
			p.Prices = append(p.Prices, billd.PriceInput{Name: pr.Name, Currency: pr.Currency, Amount: pr.Amount, Interval: pr.Interval,
				UsageType: pr.UsageType, BillingScheme: pr.BillingScheme, MeteredAggregate: pr.MeteredAggregate, TierMode: pr.TierMode,
				Metadata: pr.Metadata})
		}
		s.Products = append(s.Products, p)
	}
	for _, in := range f.Plans {
		p := billd.PlanInput{Name: in.Name, Title: in.Title, Description: in.Description, Interval: in.Interval,
			TrialDays: in.TrialDays, OnStartCredits: in.OnStartCredits, State: in.State, Metadata: in.Metadata}
		for _, ref := range in.Products {
			p.Products = append(p.Products, billd.PlanProductInput{Ref: ref})
		}
		s.Plans = append(s.Plans, p)
	}
	return s
}

// catalogFileOf returns the catalog c in the file's format, without the values that are the
// defaults (an active state, a basic behavior, a licensed flat price), and with only the active
// prices (the inactive ones stay inactive when the file is applied).
func catalogFileOf(c *billd.Catalog) catalogFile {
	f := catalogFile{Features: []catalogFeature{}, Products: []catalogProduct{}, Plans: []catalogPlan{}}
	unless := func(def, v string) string {
		if v == def {
			return ""
		}
		return v
	}
	state := func(s string) string { return unless(billd.CatalogActive, s) }
	for _, in := range c.Features {
		f.Features = append(f.Features, catalogFeature{Name: in.Name, Title: in.Title, Metadata: showMetadata(in.Metadata)})
	}
	for _, in := range c.Products {
		p := catalogProduct{Name: in.Name, Title: in.Title, Description: in.Description, State: state(in.State),
			Behavior: unless(billd.BehaviorBasic, in.Behavior), CreditAmount: in.CreditAmount, SeatLimit: in.SeatLimit,
			MinQuantity: in.MinQuantity, MaxQuantity: in.MaxQuantity, Metadata: showMetadata(in.Metadata)}
		for _, pr := range in.Prices {
			if pr.State == billd.CatalogActive {
				p.Prices = append(p.Prices, catalogPrice{Name: pr.Name, Currency: pr.Currency, Amount: pr.Amount, Interval: pr.Interval,
					UsageType: unless("licensed", pr.UsageType), BillingScheme: unless("flat", pr.BillingScheme),
					MeteredAggregate: pr.MeteredAggregate, TierMode: pr.TierMode, Metadata: showMetadata(pr.Metadata)})
			}
		}
		for _, feat := range c.FeaturesOf(in) {
			p.Features = append(p.Features, feat.Name)
		}
		f.Products = append(f.Products, p)
	}
	for _, in := range c.Plans {
		p := catalogPlan{Name: in.Name, Title: in.Title, Description: in.Description, Interval: in.Interval, TrialDays: in.TrialDays,
			OnStartCredits: in.OnStartCredits, State: state(in.State), Metadata: showMetadata(in.Metadata)}
		for _, pr := range c.ProductsOf(in) {
			p.Products = append(p.Products, pr.Name)
		}
		f.Plans = append(f.Plans, p)
	}
	return f
}
