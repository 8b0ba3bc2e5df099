// Package billd is the domain of billd, a billing and credits server: organizations own billing
// accounts, each account has a credit ledger, metering services report usage that debits it and
// may revert it, and platform admins grant credits.
//
// The package holds the types, the business rules, the error codes, the Store interface that
// persists them and the Service that runs each use case in one store transaction. It imports only
// the standard library; adapters (sqlstore, web, cmd/billd) depend on it, never the reverse.
package billd
