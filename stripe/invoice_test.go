package stripe

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/billd/billd"
)

func TestCreateInvoice(t *testing.T) {
	p, rec := testProvider(t)
	const stripeID = "in_billd_test"
	rec.rewrite(http.MethodPost, "/v1/invoices", patchJSON(map[string]any{"id": stripeID, "status": "draft"}))
	rec.rewrite(http.MethodPost, "/v1/invoices/"+stripeID+"/finalize", patchJSON(map[string]any{
		"id": stripeID, "status": "open", "amount_due": 3500, "currency": "usd", "due_date": 1893456000,
		"hosted_invoice_url": "https://invoice.stripe.test/i/1", "metadata": map[string]any{"invoice_id": "inv_1"},
	}))
	inv, err := p.CreateInvoice(context.Background(), billd.InvoiceRequest{
		InvoiceID: "inv_1", CustomerID: "cus_1", Currency: "usd", DueInDays: 14,
		Lines: []billd.CheckoutLine{
			{ProductID: "prod_a", Name: "Usage, March", UnitAmount: 1000, Quantity: 3},
			{Name: "Support", UnitAmount: 500, Quantity: 1},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := billd.ProviderInvoice{ID: stripeID, InvoiceID: "inv_1", State: "open", URL: "https://invoice.stripe.test/i/1",
		Amount: 3500, Currency: "usd", DueAt: inv.DueAt}
	if *inv != want || inv.DueAt.Unix() != 1893456000 {
		t.Errorf("invoice = %+v, want %+v", *inv, want)
	}

	reqs := rec.all()
	var paths []string
	for _, q := range reqs {
		paths = append(paths, q.Method+" "+q.Path)
	}
	wantPaths := "POST /v1/invoices,POST /v1/invoiceitems,POST /v1/invoiceitems,POST /v1/invoices/" + stripeID + "/finalize"
	if got := strings.Join(paths, ","); got != wantPaths {
		t.Fatalf("requests %s, want %s", got, wantPaths)
	}
	wantForm(t, reqs[0], map[string]string{
		"customer": "cus_1", "currency": "usd", "collection_method": "send_invoice", "days_until_due": "14",
		"pending_invoice_items_behavior": "exclude", "auto_advance": "true", "metadata[invoice_id]": "inv_1",
	})
	wantForm(t, reqs[1], map[string]string{
		"customer": "cus_1", "invoice": stripeID, "currency": "usd", "description": "Usage, March",
		"quantity": "3", "unit_amount_decimal": "1000", "metadata[invoice_id]": "inv_1", "metadata[product_id]": "prod_a",
	})
	wantForm(t, reqs[2], map[string]string{"description": "Support", "quantity": "1", "unit_amount_decimal": "500"})
	for i, key := range []string{"billd-invoice-inv_1", "billd-invoice-inv_1-line-0", "billd-invoice-inv_1-line-1"} {
		if got := reqs[i].Header.Get("Idempotency-Key"); got != key {
			t.Errorf("request %d: Idempotency-Key = %q, want %q", i, got, key)
		}
	}
}

func TestInvoice(t *testing.T) {
	p, rec := testProvider(t)
	rec.rewrite(http.MethodGet, "/v1/invoices/in_1", patchJSON(map[string]any{
		"status": "paid", "amount_due": 1200, "metadata": map[string]any{"invoice_id": "inv_7"},
		"status_transitions": map[string]any{"paid_at": 1893456000},
	}))
	inv, err := p.Invoice(context.Background(), "in_1")
	if err != nil {
		t.Fatal(err)
	}
	if inv.ID != "in_1" || inv.InvoiceID != "inv_7" || inv.State != "paid" || inv.Amount != 1200 || inv.PaidAt.Unix() != 1893456000 {
		t.Errorf("invoice = %+v", inv)
	}
	rec.last(t, http.MethodGet, "/v1/invoices/in_1")
}
