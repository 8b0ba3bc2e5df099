// Package cudo is the foundation of the CUDO Compute v1 dialect of billd's web API: CUDO's REST is
// a gRPC gateway, so its JSON is camelCase, money is a Decimal {"value": "<exact decimal string>"}
// in the account's currency and a partial update names its fields in an updateMask (a FieldMask).
//
// This package holds the conversions every CUDO route shares: money between billd's integer minor
// units and CUDO's decimal strings (money.go), and the updateMask (mask.go). It imports the domain
// and the standard library only.
package cudo
