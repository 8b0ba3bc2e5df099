package sandbox

import (
	"strconv"
	"strings"
	"time"

	"github.com/billd/billd"
)

// card is a card as the sandbox keeps it: never its full number.
type card struct {
	brand    string
	last4    string
	expMonth int64
	expYear  int64
}

// declinesOffSession reports whether the card is the 0341 test card, which is saved fine and
// declined off-session. The sandbox knows it by its last four digits, which a card's id keeps.
func (c card) declinesOffSession() bool { return c.last4 == "0341" }

// cardForm is what the customer typed in the checkout form.
type cardForm struct {
	number, expiry, cvc, name string
}

// parseCard checks a card typed in the form, as of now, and returns it with the reason a
// payment with it is declined ("" if it pays). The error (EINVALID) says what is wrong in the
// customer's words.
func parseCard(f cardForm, now time.Time) (card, string, error) {
	number := strings.ReplaceAll(f.number, " ", "")
	if len(number) < 12 || len(number) > 19 || !allDigits(number) || !luhn(number) {
		return card{}, "", billd.Errorf(billd.EINVALID, "Your card number is invalid.")
	}
	month, year, ok := parseExpiry(f.expiry)
	if !ok {
		return card{}, "", billd.Errorf(billd.EINVALID, "Your card's expiration date is invalid: use MM/YY.")
	}
	c := card{brand: brandOf(number), last4: number[len(number)-4:], expMonth: month, expYear: year}
	if c.expired(now) {
		return card{}, "", billd.Errorf(billd.EINVALID, "Your card's expiration date is in the past.")
	}
	if cvc := strings.TrimSpace(f.cvc); len(cvc) < 3 || len(cvc) > 4 || !allDigits(cvc) {
		return card{}, "", billd.Errorf(billd.EINVALID, "Your card's security code is invalid.")
	}
	if len(f.name) > 200 {
		return card{}, "", billd.Errorf(billd.EINVALID, "The name on the card is too long.")
	}
	if number == strings.ReplaceAll(CardDeclined, " ", "") {
		return c, ReasonDeclined, nil
	}
	return c, "", nil
}

// declineCard is the card the page's Decline button pays with.
func declineCard(now time.Time) card {
	return card{brand: "visa", last4: "0002", expMonth: 12, expYear: int64(now.Year() + 5)}
}

// expired reports whether the card's expiry month is before now's.
func (c card) expired(now time.Time) bool {
	y, m := int64(now.Year()), int64(now.Month())
	return c.expYear < y || (c.expYear == y && c.expMonth < m)
}

// parseExpiry parses MM/YY (or MM/YYYY), spaces allowed around the slash.
func parseExpiry(s string) (month, year int64, ok bool) {
	mm, yy, found := strings.Cut(s, "/")
	mm, yy = strings.TrimSpace(mm), strings.TrimSpace(yy)
	if !found || len(mm) < 1 || len(mm) > 2 || (len(yy) != 2 && len(yy) != 4) || !allDigits(mm) || !allDigits(yy) {
		return 0, 0, false
	}
	month, _ = strconv.ParseInt(mm, 10, 64)
	year, _ = strconv.ParseInt(yy, 10, 64)
	if len(yy) == 2 {
		year += 2000
	}
	return month, year, month >= 1 && month <= 12
}

// luhn reports whether a string of digits passes the Luhn check.
func luhn(digits string) bool {
	sum := 0
	double := false
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

// brandOf names a card's brand from its first digits.
func brandOf(number string) string {
	switch {
	case number[0] == '4':
		return "visa"
	case number[:2] >= "51" && number[:2] <= "55", number[:4] >= "2221" && number[:4] <= "2720":
		return "mastercard"
	case number[:2] == "34", number[:2] == "37":
		return "amex"
	}
	return "unknown"
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
