package console_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/billd/billd"
	"github.com/billd/billd/sqlstore/sqltest"
)

// TestOneCreditIsSingular shows a product of 1 credit a unit on the account and catalog pages:
// "1 credit", never "1 credits".
func TestOneCreditIsSingular(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		f := newFixture(t, s)
		_, _, err := f.svc.PutProduct(context.Background(), billd.SystemPrincipal, billd.ProductInput{Name: "compute", Title: "Compute credits",
			Behavior: billd.BehaviorCredits, CreditAmount: 1, Prices: []billd.PriceInput{{Name: "unit", Currency: "usd", Amount: 1}}})
		f.must(err)
		b := f.signedIn(f.owner)
		for _, path := range []string{f.accountPath(""), "/console/catalog"} {
			res := b.get(path)
			wantStatus(t, path, res, http.StatusOK, "1 credit ")
			if strings.Contains(res.body, "1 credits") {
				t.Errorf("%s says \"1 credits\"", path)
			}
		}
	})
}

// TestHeaderNamesTheClient shows the signed-in client's name in the header, its id in the title.
func TestHeaderNamesTheClient(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		f := newFixture(t, s)
		wantStatus(t, "the admin's header", f.signedIn(f.admin).get("/console/catalog"), http.StatusOK,
			`id="principal" title="API client `+f.admin.Client.ID+`">root<`)
		wantStatus(t, "the owner's header", f.signedIn(f.owner).get("/console/catalog"), http.StatusOK,
			`id="principal" title="API client `+f.owner.Client.ID+`">`+f.owner.Client.Name+`<`)
	})
}
