package console

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/billd/billd"
)

// invoiceDoc is an invoice of lines lines to a buyer whose name and city the core fonts cannot
// all show.
func invoiceDoc(lines int) *billd.InvoiceDocument {
	issued := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	due := issued.AddDate(0, 0, 30)
	doc := &billd.InvoiceDocument{Number: "0f3c2a9e-5b7d-4c1e-9a8b-123456789abc", Kind: billd.InvoiceOverdraft,
		State: billd.InvoiceOpen, IssuedAt: issued, DueAt: &due, Currency: "eur",
		Seller: billd.Seller{Name: "Billd GmbH", Address: "Hauptstraße 1, 10115 Berlin, Germany", Email: "billing@example.com", TaxID: "DE123456789"},
		Buyer: billd.InvoiceBuyer{Name: "Zoë Café 東京", Email: "zoe@example.com",
			Address: billd.Address{Line1: "1-2-3 Shibuya", City: "東京", Country: "JP"}, TaxIDs: []billd.TaxID{{Type: "jp_cn", ID: "1234567890123"}}}}
	for i := range lines {
		amount := int64(123456 + i)
		doc.Lines = append(doc.Lines, billd.InvoiceLine{Description: fmt.Sprintf("Line %d: credits for Zoë 東京", i+1),
			Quantity: 1, UnitAmount: amount, Amount: amount})
		doc.Subtotal += amount
	}
	doc.Total = doc.Subtotal
	return doc
}

// pdfText writes doc as a PDF and returns its text as pdftotext reads it.
func pdfText(t *testing.T, doc *billd.InvoiceDocument) string {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteInvoicePDF(&buf, doc); err != nil {
		t.Fatalf("WriteInvoicePDF: %v", err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("%PDF-")) {
		t.Fatalf("the output starts with %q, not %%PDF-", buf.Bytes()[:min(buf.Len(), 8)])
	}
	if _, err := exec.LookPath("pdftotext"); err != nil {
		// As with stripe-mock: the PDF is made and checked above, but its text needs poppler's
		// reader; .ci/run installs it, and under CI=true it may not be missing.
		if os.Getenv("CI") == "true" {
			t.Fatalf("pdftotext (poppler-utils) is needed to read the PDF: %v", err)
		}
		t.Skipf("pdftotext is not installed, so the PDF's text cannot be read (apt-get install poppler-utils): %v", err)
	}
	file := filepath.Join(t.TempDir(), "invoice.pdf")
	if err := os.WriteFile(file, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", file, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	return string(out)
}

func TestInvoicePDFShowsNumberPartiesAndTotals(t *testing.T) {
	doc := invoiceDoc(2)
	text := pdfText(t, doc)
	for _, want := range []string{doc.Number, "Billd GmbH", "Hauptstraße 1", "DE123456789", "Zoë Café ??",
		"Tax id (jp_cn): 1234567890123", "1,234.56 EUR", "Total", "2,469.13 EUR", "31 March 2026", "Page 1 of 1"} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF's text lacks %q:\n%s", want, text)
		}
	}
}

func TestInvoicePDFPaginatesManyLines(t *testing.T) {
	text := pdfText(t, invoiceDoc(300))
	if !strings.Contains(text, "Line 300:") || !strings.Contains(text, "Page 2 of") || strings.Count(text, "Description") < 2 {
		t.Errorf("300 lines did not continue on further pages under a repeated heading:\n%.2000s", text)
	}
}
