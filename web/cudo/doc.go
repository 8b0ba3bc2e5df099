// Package cudo serves the CUDO Compute v1 billing-accounts dialect of billd's web API over the
// same accounts as the Frontier dialect. CUDO's REST is a gRPC gateway, so its JSON is camelCase,
// money is a Decimal {"value": "<exact decimal string>"} in the account's currency and a partial
// update names its fields in an updateMask (a FieldMask).
//
// Server's methods are the contract's operations (server.go, update.go, ledger.go, billing.go):
// each decodes its input (decode.go), calls one billd.Service use case and maps the result to the
// contract's message (wire.go, one function per message in mapping.go). Money converts exactly
// between billd's integer minor units and CUDO's decimal strings (money.go). The web package
// authenticates, admits, bounds and routes the requests and writes errors in the contract's Status
// shape. This package imports the domain and the standard library only.
package cudo
