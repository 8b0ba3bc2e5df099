package console

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/billd/billd"
	"github.com/go-pdf/fpdf"
)

// Page geometry of the invoice PDF, in millimetres on A4.
const (
	pdfMargin      = 18.0
	pdfWidth       = 210 - 2*pdfMargin
	pdfLine        = 5.5
	pdfQtyWidth    = 22.0
	pdfAmountWidth = 34.0
)

// WriteInvoicePDF writes doc as an A4 PDF to w: title, number and dates, the seller and the buyer
// with their tax ids, the lines in a table that continues on further pages, the totals and a
// footer. The PDF's streams are left uncompressed so that its text can be searched. Text the core
// fonts cannot show (they are cp1252) is printed as "?" instead of failing.
func WriteInvoicePDF(w io.Writer, doc *billd.InvoiceDocument) error {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCompression(false)
	pdf.SetCreationDate(doc.IssuedAt)
	pdf.SetModificationDate(doc.IssuedAt)
	pdf.SetMargins(pdfMargin, pdfMargin, pdfMargin)
	pdf.SetAutoPageBreak(true, pdfMargin+8)
	pdf.AliasNbPages("{nb}")
	tr := cp1252(pdf)
	pdf.SetTitle(tr("Invoice "+doc.Number), false)
	pdf.SetFooterFunc(func() {
		pdf.SetY(-pdfMargin - 2)
		pdf.SetFont("Helvetica", "", 8)
		pdf.SetTextColor(90, 90, 90)
		pdf.CellFormat(pdfWidth/2, 4, tr(fmt.Sprintf("Invoice %s", doc.Number)), "", 0, "L", false, 0, "")
		pdf.CellFormat(pdfWidth/2, 4, fmt.Sprintf("Page %d of {nb}", pdf.PageNo()), "", 0, "R", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
	})
	pdf.AddPage()
	invoiceHeader(pdf, tr, doc)
	invoiceParties(pdf, tr, doc)
	invoiceTable(pdf, tr, doc)
	invoiceTotals(pdf, tr, doc)
	return pdf.Output(w)
}

// invoiceHeader writes the title, the number, the state and the dates.
func invoiceHeader(pdf *fpdf.Fpdf, tr func(string) string, doc *billd.InvoiceDocument) {
	pdf.SetFont("Helvetica", "B", 20)
	pdf.CellFormat(pdfWidth, 10, "Invoice", "", 1, "L", false, 0, "")
	pdf.SetFont("Helvetica", "", 10)
	facts := [][2]string{{"Invoice number", doc.Number}, {"Status", string(doc.State)}, {"Issued", dateText(&doc.IssuedAt)}}
	if doc.DueAt != nil {
		facts = append(facts, [2]string{"Due", dateText(doc.DueAt)})
	}
	if doc.PaidAt != nil {
		facts = append(facts, [2]string{"Paid", dateText(doc.PaidAt)})
	}
	if !doc.PeriodStart.IsZero() {
		facts = append(facts, [2]string{"Period", dateText(&doc.PeriodStart) + " to " + dateText(&doc.PeriodEnd)})
	}
	for _, f := range facts {
		pdf.CellFormat(35, pdfLine, tr(f[0]), "", 0, "L", false, 0, "")
		pdf.CellFormat(pdfWidth-35, pdfLine, tr(f[1]), "", 1, "L", false, 0, "")
	}
	pdf.Ln(6)
}

// invoiceParties writes the seller's block and the buyer's side by side.
func invoiceParties(pdf *fpdf.Fpdf, tr func(string) string, doc *billd.InvoiceDocument) {
	s, b := doc.Seller, doc.Buyer
	seller := append([]string{s.Name}, splitAddress(s.Address)...)
	seller = append(seller, s.Email)
	if s.TaxID != "" {
		seller = append(seller, "Tax id: "+s.TaxID)
	}
	a := b.Address
	buyer := []string{b.Name, a.Line1, a.Line2, strings.TrimSpace(a.PostalCode + " " + a.City), a.State, a.Country, b.Email}
	for _, t := range b.TaxIDs {
		buyer = append(buyer, fmt.Sprintf("Tax id (%s): %s", t.Type, t.ID))
	}
	top := pdf.GetY()
	partyBlock(pdf, tr, "From", seller, pdfMargin, top)
	end := pdf.GetY()
	partyBlock(pdf, tr, "Bill to", buyer, pdfMargin+pdfWidth/2, top)
	pdf.SetXY(pdfMargin, max(end, pdf.GetY())+6)
}

// partyBlock writes a heading and the non-empty lines at x, y, each cut to the block's width.
func partyBlock(pdf *fpdf.Fpdf, tr func(string) string, heading string, lines []string, x, y float64) {
	pdf.SetXY(x, y)
	pdf.SetFont("Helvetica", "B", 10)
	pdf.CellFormat(pdfWidth/2, pdfLine, heading, "", 2, "L", false, 0, "")
	pdf.SetFont("Helvetica", "", 10)
	for _, l := range lines {
		if l = strings.TrimSpace(l); l != "" {
			pdf.CellFormat(pdfWidth/2-4, pdfLine, fitText(pdf, tr(l), pdfWidth/2-4), "", 2, "L", false, 0, "")
		}
	}
}

// invoiceTable writes the lines, repeating the table's heading on each new page.
func invoiceTable(pdf *fpdf.Fpdf, tr func(string) string, doc *billd.InvoiceDocument) {
	descWidth := pdfWidth - pdfQtyWidth - 2*pdfAmountWidth
	heading := func() {
		pdf.SetFont("Helvetica", "B", 10)
		pdf.SetFillColor(235, 238, 242)
		pdf.CellFormat(descWidth, 7, "Description", "B", 0, "L", true, 0, "")
		pdf.CellFormat(pdfQtyWidth, 7, "Quantity", "B", 0, "R", true, 0, "")
		pdf.CellFormat(pdfAmountWidth, 7, "Unit price", "B", 0, "R", true, 0, "")
		pdf.CellFormat(pdfAmountWidth, 7, "Amount", "B", 1, "R", true, 0, "")
		pdf.SetFont("Helvetica", "", 10)
	}
	heading()
	_, pageHeight := pdf.GetPageSize()
	for _, l := range doc.Lines {
		if pdf.GetY()+pdfLine+1 > pageHeight-pdfMargin-8 {
			pdf.AddPage()
			heading()
		}
		pdf.CellFormat(descWidth, pdfLine+1, fitText(pdf, tr(l.Description), descWidth-2), "B", 0, "L", false, 0, "")
		pdf.CellFormat(pdfQtyWidth, pdfLine+1, billd.FormatCredits(l.Quantity), "B", 0, "R", false, 0, "")
		pdf.CellFormat(pdfAmountWidth, pdfLine+1, tr(billd.FormatMoney(l.UnitAmount, doc.Currency)), "B", 0, "R", false, 0, "")
		pdf.CellFormat(pdfAmountWidth, pdfLine+1, tr(billd.FormatMoney(l.Amount, doc.Currency)), "B", 1, "R", false, 0, "")
	}
	pdf.Ln(4)
}

// invoiceTotals writes the subtotal, the tax when there is any, and the total.
func invoiceTotals(pdf *fpdf.Fpdf, tr func(string) string, doc *billd.InvoiceDocument) {
	rows := [][2]string{{"Subtotal", billd.FormatMoney(doc.Subtotal, doc.Currency)}}
	if doc.Tax != 0 {
		rows = append(rows, [2]string{"Tax", billd.FormatMoney(doc.Tax, doc.Currency)})
	}
	rows = append(rows, [2]string{"Total", billd.FormatMoney(doc.Total, doc.Currency)})
	for i, r := range rows {
		if i == len(rows)-1 {
			pdf.SetFont("Helvetica", "B", 11)
		}
		pdf.SetX(pdfMargin + pdfWidth - 2*pdfAmountWidth)
		pdf.CellFormat(pdfAmountWidth, pdfLine+1, r[0], "", 0, "R", false, 0, "")
		pdf.CellFormat(pdfAmountWidth, pdfLine+1, tr(r[1]), "", 1, "R", false, 0, "")
	}
}

// cp1252 returns a translation of UTF-8 text to the core fonts' code page in which every rune the
// code page lacks ("東", "€" is kept) becomes "?".
func cp1252(pdf *fpdf.Fpdf) func(string) string {
	tr := pdf.UnicodeTranslatorFromDescriptor("")
	return func(s string) string {
		var b strings.Builder
		for _, r := range strings.ToValidUTF8(s, "?") {
			if r < 0x80 {
				if r < 0x20 {
					r = ' '
				}
				b.WriteRune(r)
				continue
			}
			if t := tr(string(r)); t != "." {
				b.WriteString(t)
			} else {
				b.WriteByte('?')
			}
		}
		return b.String()
	}
}

// fitText cuts s (already translated) to fit width, marking the cut with "...".
func fitText(pdf *fpdf.Fpdf, s string, width float64) string {
	if pdf.GetStringWidth(s) <= width {
		return s
	}
	for len(s) > 0 && pdf.GetStringWidth(s+"...") > width {
		s = s[:len(s)-1]
	}
	return s + "..."
}

// splitAddress splits a free-text address into its lines, at newlines or commas.
func splitAddress(address string) []string {
	return strings.FieldsFunc(address, func(r rune) bool { return r == '\n' || r == ',' })
}

// dateText writes a date for the invoice ("5 March 2026", UTC).
func dateText(t *time.Time) string {
	return t.UTC().Format("2 January 2006")
}
