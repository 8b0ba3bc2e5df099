package billd

import (
	"context"
	"time"
)

// Store persists billd's objects. Each use case runs inside one transaction of it.
//
// Lookups of a single object return an ENOTFOUND *Error when it does not exist; writes that break a
// uniqueness rule return ECONFLICT or EPRECONDITION *Errors as each method says. Any other error is
// internal.
type Store interface {
	// Update runs fn in a read-write transaction and commits it if fn returns nil. The commit is
	// durable when Update returns.
	Update(ctx context.Context, fn func(Tx) error) error
	// View runs fn in a read-only transaction that sees one consistent snapshot.
	View(ctx context.Context, fn func(Tx) error) error
	// Ping checks that the store answers; an error means it is unreachable.
	Ping(ctx context.Context) error
	// Close releases the store's connections.
	Close() error
	// TryLock takes the lock called name, which at most one holder in the whole deployment (every
	// node on one database) has at a time, unless another holder has it: ok is false then. The
	// lock is held on a connection of its own, not one of the pool's, until release is called or
	// that connection is lost; background jobs run under it.
	TryLock(ctx context.Context, name string) (release func(), ok bool, err error)
}

// Tx is one store transaction: the persistence contract of every use case.
//
// Locking rules, which every use case follows so that checks and writes cannot race:
//   - a write to an organization row, or the creation of an account or project under it, first
//     takes the organization's lock (LockOrganization);
//   - a write to a billing account row first takes its ledger account's lock
//     (LockLedgerAccounts) and then reads the row again, since the lock is the account's write
//     lock and every fact that guards a debit (account state, credit_min, organization state) is
//     changed only under it;
//   - locks are taken in the order organization, then ledger accounts in id order.
//
// When errors surface: on SQLite every method returns its own error. On PostgreSQL a write
// (insert or update, no rows back) is pipelined: its error, if any, is returned by the next method
// that reads, or by the commit that Store.Update runs, and the transaction is then aborted. So a
// use case never treats a nil from a write as proof that it was stored; only Update's result says
// so. Errors from the store carry the failed statement ("sqlstore: insert transfers: …"); a
// database out of reach is EUNAVAILABLE.
type Tx interface {
	OrganizationTx
	ProjectTx
	AccountTx
	LedgerTx
	ClientTx
	CatalogTx
	PaymentTx
	InvoiceTx
	NoticeTx
	AccountUserTx
	SpendTx
	WebhookTx
	ChargeTx
	SeriesTx
	SessionTx
}

// CatalogTx persists the catalog, which is small and read whole.
type CatalogTx interface {
	// Catalog returns the whole catalog, each list in name order, with every object's link ids
	// (Feature.ProductIDs, Product.FeatureIDs and PlanIDs, Plan.ProductIDs) filled in and each
	// product's prices in name order.
	Catalog(ctx context.Context) (*Catalog, error)
	// LockCatalog holds the catalog's write lock to the end of the transaction. Every catalog
	// write takes it first.
	LockCatalog(ctx context.Context) error
	// PutFeature inserts or updates, by id, a feature's own row; ECONFLICT if another feature has
	// its name.
	PutFeature(ctx context.Context, f *Feature) error
	// PutProduct inserts or updates, by id, a product's row and its prices, and replaces the
	// features it grants with FeatureIDs; ECONFLICT if another product has its name.
	PutProduct(ctx context.Context, p *Product) error
	// PutPlan inserts or updates, by id, a plan's row, and replaces its products with ProductIDs;
	// ECONFLICT if another plan has its name.
	PutPlan(ctx context.Context, p *Plan) error
}

// OrganizationTx persists organizations.
type OrganizationTx interface {
	// InsertOrganization stores a new organization; ECONFLICT if an open one has the same name.
	InsertOrganization(ctx context.Context, o *Organization) error
	// Organization returns the organization with the id, in any state.
	Organization(ctx context.Context, id string) (*Organization, error)
	// LockOrganization returns the organization with the id, in any state, and holds its write
	// lock to the end of the transaction.
	LockOrganization(ctx context.Context, id string) (*Organization, error)
	// OrganizationByName returns the organization that is not closed and has the name.
	OrganizationByName(ctx context.Context, name string) (*Organization, error)
	// UpdateOrganization stores every field of o; ECONFLICT if the new name is taken.
	UpdateOrganization(ctx context.Context, o *Organization) error
	// Organizations lists organizations that are not closed, oldest first.
	Organizations(ctx context.Context, q OrganizationQuery) ([]*Organization, error)
	// CountOrganizationObjects returns how many objects of kind the organization holds: open
	// projects, billing accounts that are not closed, or unrevoked clients.
	CountOrganizationObjects(ctx context.Context, orgID string, kind ObjectKind) (int, error)
}

// OrganizationQuery selects organizations. Zero fields do not filter.
type OrganizationQuery struct {
	ID    string   // only this organization
	State OrgState // only organizations in this state
	After *Cursor  // keyset position (created_at, id)
	Limit int
}

// ProjectTx persists projects.
type ProjectTx interface {
	// InsertProject stores a new project; ECONFLICT if an open project of the org has the name.
	InsertProject(ctx context.Context, p *Project) error
	// Project returns the project with the id, in any state.
	Project(ctx context.Context, id string) (*Project, error)
	// LockProject returns the project with the id and holds its write lock to the end of the
	// transaction.
	LockProject(ctx context.Context, id string) (*Project, error)
	// UpdateProject stores every field of p; ECONFLICT if the new name is taken in the org.
	UpdateProject(ctx context.Context, p *Project) error
	// Projects lists an organization's projects that are not closed, oldest first.
	Projects(ctx context.Context, q ProjectQuery) ([]*Project, error)
	// CloseProjects closes every open project of an organization.
	CloseProjects(ctx context.Context, orgID string, at time.Time) error
}

// ProjectQuery selects projects of one organization.
type ProjectQuery struct {
	OrgID string
	State ProjectState
	After *Cursor
	Limit int
}

// AccountTx persists billing accounts.
type AccountTx interface {
	// InsertBillingAccount stores a new billing account and creates its ledger account (and the
	// platform account of its ledger currency if that does not exist yet). EPRECONDITION if the
	// account is active and the organization already has an active account.
	InsertBillingAccount(ctx context.Context, a *BillingAccount) error
	// BillingAccount returns the billing account with the id, in any state.
	BillingAccount(ctx context.Context, id string) (*BillingAccount, error)
	// ActiveBillingAccount returns the organization's active billing account.
	ActiveBillingAccount(ctx context.Context, orgID string) (*BillingAccount, error)
	// BillingAccounts lists billing accounts that are not closed, newest first.
	BillingAccounts(ctx context.Context, q BillingAccountQuery) ([]*BillingAccount, error)
	// UpdateBillingAccount stores every field of a; EPRECONDITION if it makes a second active
	// account in the organization.
	UpdateBillingAccount(ctx context.Context, a *BillingAccount) error
	// OrganizationHasDues reports whether any account of the organization, closed ones included,
	// has a negative balance.
	OrganizationHasDues(ctx context.Context, orgID string) (bool, error)
	// AccountsToPurge lists at most limit closed accounts whose PurgeAt is at or before now and
	// that are not purged yet, soonest first.
	AccountsToPurge(ctx context.Context, now time.Time, limit int) ([]*BillingAccount, error)
}

// BillingAccountQuery selects billing accounts. Zero fields do not filter.
type BillingAccountQuery struct {
	OrgID string
	After *Cursor // keyset position (created_at, id), newest first
	Limit int
}

// LedgerTx persists the credit ledger: ledger accounts with stored balances and the immutable
// journal of transfers.
type LedgerTx interface {
	// LedgerAccount returns a ledger account and its stored balance.
	LedgerAccount(ctx context.Context, id string) (*LedgerAccount, error)
	// AccountBalance returns what a balance read needs, in one read: the billing account's ledger
	// account with its stored totals, and what decides whether the account is visible (its
	// organization, its state and its organization's state).
	AccountBalance(ctx context.Context, accountID string) (*AccountBalance, error)
	// LockLedgerAccounts takes the write lock of each customer (non-platform) ledger account in ids,
	// in id order, and returns them. The lock is held to the end of the transaction. Unknown ids
	// and platform accounts are left out.
	LockLedgerAccounts(ctx context.Context, ids []string) ([]LedgerAccount, error)
	// LoadPostingState takes the write locks of the customer ledger accounts among accountIDs, in
	// id order, and then reads their guards, the transfers among transferIDs and the reverted
	// sums of the usages among refIDs. Reading after the locks makes every change made under them
	// visible.
	LoadPostingState(ctx context.Context, accountIDs, transferIDs, refIDs []string) (*PostingState, error)
	// AppendTransfers appends transfers to the journal and stores the posted totals of accounts;
	// an error that wraps ErrDuplicateID if a transfer's id exists. On PostgreSQL the statements
	// are pipelined: their error, if any, is returned by the next read of the transaction or by
	// its commit (Store.Update), not by this call.
	AppendTransfers(ctx context.Context, transfers []Transfer, accounts []LedgerAccount) error
	// Transfers returns the transfers whose id is in ids (unknown ids are left out).
	Transfers(ctx context.Context, ids []string) ([]Transfer, error)
	// AccountTransfers lists the transfers of one account, newest first.
	AccountTransfers(ctx context.Context, q TransferQuery) ([]Transfer, error)
	// DebitedTotal returns the sum of an account's usage debits minus the sum of its reverts.
	DebitedTotal(ctx context.Context, accountID string) (int64, error)
	// LedgerTotals re-sums the journal: for every customer ledger account, the stored totals next to
	// the totals of its transfers, and the number of transfers in the journal.
	LedgerTotals(ctx context.Context) ([]AccountTotals, int64, error)
	// RevertOverruns returns the usages whose reverts sum to more than the usage, or whose reverts
	// credit another account.
	RevertOverruns(ctx context.Context) ([]LedgerProblem, error)
}

// AccountBalance is a billing account's ledger account (its stored totals) and the states it is
// seen through.
type AccountBalance struct {
	OrgID    string
	OrgState OrgState
	State    AccountState
	Ledger   LedgerAccount
}

// PostingState is what applying a batch of postings reads from the store.
type PostingState struct {
	Accounts  []LedgerAccount  // the customer accounts the batch touches, locked
	Guards    []AccountGuard   // what guards a debit of each of them
	Transfers []Transfer       // the transfers the batch names (as ids or refs) that exist
	Reverted  map[string]int64 // the reverted sums of the usages the batch reverts
}

// TransferQuery selects the transfers of one account.
type TransferQuery struct {
	AccountID string
	Start     time.Time    // inclusive; zero: no lower bound
	End       time.Time    // inclusive; zero: no upper bound
	Kind      TransferKind // empty: every kind
	Source    string       // empty: every source
	After     *Cursor      // keyset position (created_at, id), newest first
	Limit     int
}

// ClientTx persists API clients.
type ClientTx interface {
	// InsertClient stores a new client; an error that wraps ErrDuplicateID if the id is taken.
	InsertClient(ctx context.Context, c *APIClient) error
	// Client returns the client with the id, revoked or not.
	Client(ctx context.Context, id string) (*APIClient, error)
	// ClientByAPIKey returns the client whose API key has the digest.
	ClientByAPIKey(ctx context.Context, apiKeyHash string) (*APIClient, error)
	// UpdateClient stores every field of c.
	UpdateClient(ctx context.Context, c *APIClient) error
	// Clients lists clients that are not revoked, oldest first.
	Clients(ctx context.Context, q ClientQuery) ([]*APIClient, error)
	// RevokeOrganizationClients revokes every client of an organization.
	RevokeOrganizationClients(ctx context.Context, orgID string, at time.Time) error
	// CountPlatformAdmins returns the number of platform admin clients that are not revoked.
	CountPlatformAdmins(ctx context.Context) (int, error)
	// LockPlatformAdmins takes the write locks of the platform admin clients that are not revoked,
	// in id order, and returns their number; the locks are held to the end of the transaction.
	LockPlatformAdmins(ctx context.Context) (int, error)
}

// SessionTx persists console sessions (session.go).
type SessionTx interface {
	// InsertSession stores a new session.
	InsertSession(ctx context.Context, s *Session) error
	// SessionByToken returns the session whose token has the digest, expired or not.
	SessionByToken(ctx context.Context, tokenHash string) (*Session, error)
	// DeleteSession deletes the session whose token has the digest, if it exists.
	DeleteSession(ctx context.Context, tokenHash string) error
	// DeleteClientSessions deletes the sessions of a client but its keep newest (keep 0: all).
	DeleteClientSessions(ctx context.Context, clientID string, keep int) error
	// DeleteExpiredSessions deletes at most limit sessions that expired at or before now.
	DeleteExpiredSessions(ctx context.Context, now time.Time, limit int) error
}

// ClientQuery selects clients. Zero fields do not filter.
type ClientQuery struct {
	OrgID string
	After *Cursor
	Limit int
}
