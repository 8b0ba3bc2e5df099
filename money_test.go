package billd_test

import (
	"math"
	"testing"

	"github.com/billd/billd"
)

func TestFormatMoney(t *testing.T) {
	for _, tc := range []struct {
		amount   int64
		currency string
		want     string
	}{
		{1250, "usd", "12.50 USD"},
		{5, "eur", "0.05 EUR"},
		{0, "usd", "0.00 USD"},
		{-150, "eur", "-1.50 EUR"},
		{123456789, "usd", "1,234,567.89 USD"},
		{100, "jpy", "100 JPY"},
		{1500000, "JPY", "1,500,000 JPY"},
		{1234, "KWD", "1.234 KWD"},
		{1234567, "kwd", "1,234.567 KWD"},
		{12345, "clf", "1.2345 CLF"},
		{1234, "vc", "1,234 VC"},
		{42, "xyz", "0.42 XYZ"},
		{42, "", "0.42"},
		{math.MinInt64, "usd", "-92,233,720,368,547,758.08 USD"},
	} {
		if got := billd.FormatMoney(tc.amount, tc.currency); got != tc.want {
			t.Errorf("FormatMoney(%d, %q) = %q, want %q", tc.amount, tc.currency, got, tc.want)
		}
	}
}

func TestCurrencyDecimals(t *testing.T) {
	for want, currencies := range map[int][]string{
		0: {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf", "JPY", "Krw", "vc", "VC"},
		3: {"bhd", "iqd", "jod", "kwd", "lyd", "omr", "tnd", "KWD"},
		4: {"clf", "uyw"},
		2: {"usd", "eur", "gbp", "USD", "", "zzz", "credits", "jpyx", " jpy"},
	} {
		for _, c := range currencies {
			if got := billd.CurrencyDecimals(c); got != want {
				t.Errorf("CurrencyDecimals(%q) = %d, want %d", c, got, want)
			}
		}
	}
}

func TestFormatCredits(t *testing.T) {
	for _, tc := range []struct {
		amount int64
		want   string
	}{
		{0, "0"}, {999, "999"}, {1000, "1,000"}, {-1234567, "-1,234,567"}, {100000, "100,000"},
		{math.MaxInt64, "9,223,372,036,854,775,807"}, {math.MinInt64, "-9,223,372,036,854,775,808"},
	} {
		if got := billd.FormatCredits(tc.amount); got != tc.want {
			t.Errorf("FormatCredits(%d) = %q, want %q", tc.amount, got, tc.want)
		}
	}
}
