package billd

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// This file checks the ledger engine (ledger.go) against an independent model: the fuzz input is a
// small program of operations (grants, usages, reverts, replays, odd transfers, and changes of the
// facts that guard a debit), run in batches the way commitPostings runs them: one fresh ledgerState
// per batch over what the store would load for it (the touched customer accounts and their guards,
// the stored transfers the batch names as ids or refs, as in the pass that looks every id up, and
// the reverted sums of the refs), and after the batch the accepted transfers and changed accounts
// carried forward as the store would commit them. Every posting is also applied to
// ledgerModel, written from the rules in the doc comments with plain maps and big integers, and the
// two must agree on every verdict, error code and balance.
//
// Program format. Reads past the end of the input yield 0; the program stops at the first batch
// that starts past the end, or after maxLedgerItems items.
//
//	header       1 byte: customers = 2 + b%2 (accounts a, b [, c]; a and b share an organization)
//	batch        1 byte: items = 1 + b%4, then the items
//	item         1 byte: b%16: 0-11 posting, 12 13 account state, 14 organization state,
//	             15 credit_min
//	posting      1 byte: transfers = 1 + b%5, then the transfers
//	transfer     1 byte: b%10: 0-2 grant, 3-5 usage, 6 7 revert, 8 replay, 9 odd transfer
//	  grant      account byte, amount, attributes byte
//	  usage      account byte, amount, attributes byte
//	  revert     ref class byte (b%8: 0-4 a usage, 5 6 any earlier transfer, 7 an unknown id),
//	             ref index byte, amount choice byte (b%5: 0 what is left, 1 half of it, 2 one more
//	             than is left, 3 an explicit amount follows, 4 one), flags byte (bit 0: credit the
//	             wrong account)
//	  replay     index byte (an earlier transfer, newest first), mutation byte (b%11, see replay)
//	  odd        debit byte, credit byte (b%5: 0-2 a customer, 3 the platform, 4 an unknown
//	             account), kind byte (b%3: usage, grant, revert), amount
//	account state  account byte, state byte (b%4: 0 1 active, 2 disabled, 3 closed)
//	org state      organization byte (b%2), state byte (b%4: 0 1 enabled, 2 disabled, 3 closed)
//	credit_min     account byte, amount (the new credit_min)
//	amount       class byte (b%12), then: 0-5: 1 byte, 1+b; 6: 2 bytes, 1+n; 7: 1 byte, MaxInt64-b;
//	             8: 1 byte, MaxInt64/2+b-128; 9: 1 byte, -b; 10: 8 bytes, big-endian int64;
//	             11: 1 byte, MinInt64+b

const maxLedgerItems = 400

// FuzzLedger runs fuzzed programs through the ledger engine and the model.
func FuzzLedger(f *testing.F) {
	for _, s := range ledgerSeeds() {
		f.Add(s.prog)
	}
	f.Fuzz(func(t *testing.T, prog []byte) {
		runLedgerProgram(t, prog)
	})
}

// TestLedgerModel runs a few thousand random programs from a fixed seed through the same checker,
// so that a plain go test exercises it.
func TestLedgerModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(0x5eed, 0xb111d))
	hits := map[string]int{}
	runs := 3000
	if testing.Short() {
		runs = 300
	}
	for i := range runs {
		prog := make([]byte, 16+rng.IntN(480))
		small := i%2 == 1 // half of the programs favour small bytes: small amounts, recent ids
		for j := range prog {
			if small && rng.IntN(10) < 7 {
				prog[j] = byte(rng.IntN(8))
			} else {
				prog[j] = byte(rng.Uint32())
			}
		}
		h := runLedgerProgram(t, prog)
		if t.Failed() {
			t.Fatalf("program %d: %x", i, prog)
		}
		for r, n := range h.rules {
			hits[r] += n
		}
	}
	t.Logf("rules reached: %v", hits)
	for _, r := range allModelRules {
		if hits[r] == 0 && !testing.Short() {
			t.Errorf("no random program reaches rule %q", r)
		}
	}
}

// TestLedgerSeedsCoverEveryRule checks that the seed corpus reaches every rule of the model, so the
// fuzzer starts from all of them.
func TestLedgerSeedsCoverEveryRule(t *testing.T) {
	hits := map[string]int{}
	for _, s := range ledgerSeeds() {
		t.Run(s.name, func(t *testing.T) {
			h := runLedgerProgram(t, s.prog)
			for _, want := range s.want {
				if h.rules[want] == 0 {
					t.Errorf("never reaches rule %q; it reached %v", want, h.rules)
				}
			}
			for r, n := range h.rules {
				hits[r] += n
			}
		})
	}
	for _, r := range allModelRules {
		if hits[r] == 0 {
			t.Errorf("no seed reaches rule %q", r)
		}
	}
}

// ---------------------------------------------------------------------------------------------
// The model.

// Model rules: the verdicts the model can give, one per rule of the engine.
const (
	ruleOK              = "ok"
	ruleAmount          = "amount not positive"
	ruleReplaySame      = "replay of the same request"
	ruleReplayRevert    = "replay of the same revert"
	ruleReplayDifferent = "id used by a different request"
	ruleNoCustomer      = "no customer account"
	ruleRevertNotFound  = "revert of an unknown transfer"
	ruleRevertOfRevert  = "revert of a revert"
	ruleRevertNonUsage  = "revert of a grant"
	ruleRevertAccount   = "revert credits another account"
	ruleRevertExceeds   = "reverts exceed the usage"
	ruleDebitClosed     = "debit of a closed account"
	ruleDebitDisabled   = "debit of a disabled account"
	ruleDebitOrg        = "debit in a disabled organization"
	ruleInsufficient    = "insufficient credits"
	ruleDebitOverflow   = "debit total overflows"
	ruleCreditClosed    = "credit of a closed account"
	ruleCreditOverflow  = "credit total overflows"
)

var allModelRules = []string{ruleOK, ruleAmount, ruleReplaySame, ruleReplayRevert, ruleReplayDifferent,
	ruleNoCustomer, ruleRevertNotFound, ruleRevertOfRevert, ruleRevertNonUsage, ruleRevertAccount,
	ruleRevertExceeds, ruleDebitClosed, ruleDebitDisabled, ruleDebitOrg, ruleInsufficient,
	ruleDebitOverflow, ruleCreditClosed, ruleCreditOverflow}

// modelVerdicts maps each rule to the error code it answers with and, where the API documents the
// message, a part of the message.
var modelVerdicts = map[string]struct{ code, message string }{
	ruleOK:              {"", ""},
	ruleAmount:          {EINVALID, ""},
	ruleReplaySame:      {ECONFLICT, "credits already applied"},
	ruleReplayRevert:    {ECONFLICT, "revert already applied"},
	ruleReplayDifferent: {ECONFLICT, "already used by a different request"},
	ruleNoCustomer:      {EINTERNAL, ""},
	ruleRevertNotFound:  {ENOTFOUND, ""},
	ruleRevertOfRevert:  {ECONFLICT, ""},
	ruleRevertNonUsage:  {EINVALID, ""},
	ruleRevertAccount:   {EINTERNAL, ""},
	ruleRevertExceeds:   {EINVALID, ""},
	ruleDebitClosed:     {EPRECONDITION, ""},
	ruleDebitDisabled:   {EPRECONDITION, ""},
	ruleDebitOrg:        {EPRECONDITION, ""},
	ruleInsufficient:    {EINVALID, "insufficient credits"},
	ruleDebitOverflow:   {EINVALID, ""},
	ruleCreditClosed:    {EPRECONDITION, ""},
	ruleCreditOverflow:  {EINVALID, ""},
}

// mTransfer is the model's journal entry: every field that makes a request, metadata as canonical
// JSON.
type mTransfer struct {
	id, debit, credit, kind, source, description, user, ref, metadata string
	amount                                                            int64
}

type mAccount struct {
	credits, debits big.Int
}

// ledgerModel is the ledger as the rules describe it. Totals are big integers, so the model itself
// never overflows; the int64 limit is one of its rules.
type ledgerModel struct {
	accounts  map[string]*mAccount // the customer accounts
	state     map[string]string    // "active", "disabled", "closed"
	org       map[string]int       // account → organization
	orgState  map[int]string       // "enabled", "disabled", "closed"
	creditMin map[string]int64
	journal   map[string]mTransfer
	reverted  map[string]*big.Int // usage id → sum of its reverts
}

var maxInt64 = big.NewInt(math.MaxInt64)

func newLedgerModel(customers []string) *ledgerModel {
	m := &ledgerModel{accounts: map[string]*mAccount{}, state: map[string]string{}, org: map[string]int{},
		orgState: map[int]string{0: "enabled", 1: "enabled"}, creditMin: map[string]int64{},
		journal: map[string]mTransfer{}, reverted: map[string]*big.Int{}}
	for i, id := range customers {
		m.accounts[id] = &mAccount{}
		m.state[id] = "active"
		m.org[id] = min(i, 1)
	}
	return m
}

func (m *ledgerModel) revertedSum(id string) int64 {
	if s, ok := m.reverted[id]; ok {
		return s.Int64()
	}
	return 0
}

// post applies the transfers all or nothing and returns the rule that decided: ruleOK, or the rule
// the first failing transfer breaks, and then the model is left as it was.
func (m *ledgerModel) post(ts []mTransfer) string {
	// Work on copies; commit them only if every transfer passes.
	work := map[string]*mAccount{}
	account := func(id string) *mAccount {
		if a, ok := work[id]; ok {
			return a
		}
		orig, ok := m.accounts[id]
		if !ok {
			return nil // not a customer account: the platform, or an account the ledger does not hold
		}
		a := &mAccount{}
		a.credits.Set(&orig.credits)
		a.debits.Set(&orig.debits)
		work[id] = a
		return a
	}
	added := map[string]mTransfer{}
	lookup := func(id string) (mTransfer, bool) {
		if t, ok := added[id]; ok {
			return t, true
		}
		t, ok := m.journal[id]
		return t, ok
	}
	reverted := map[string]*big.Int{}
	revertedSum := func(id string) *big.Int {
		if s, ok := reverted[id]; ok {
			return s
		}
		s := new(big.Int)
		if r, ok := m.reverted[id]; ok {
			s.Set(r)
		}
		reverted[id] = s
		return s
	}
	for _, t := range ts {
		if t.amount <= 0 {
			return ruleAmount
		}
		if prior, ok := lookup(t.id); ok {
			switch {
			case prior != t:
				return ruleReplayDifferent
			case t.kind == string(KindRevert):
				return ruleReplayRevert
			default:
				return ruleReplaySame
			}
		}
		debit, credit := account(t.debit), account(t.credit)
		if debit == nil && credit == nil {
			return ruleNoCustomer
		}
		amount := big.NewInt(t.amount)
		if t.kind == string(KindRevert) {
			usage, ok := lookup(t.ref)
			switch {
			case !ok:
				return ruleRevertNotFound
			case usage.kind == string(KindRevert):
				return ruleRevertOfRevert
			case usage.kind != string(KindUsage):
				return ruleRevertNonUsage
			case usage.debit != t.credit:
				return ruleRevertAccount
			}
			if new(big.Int).Add(revertedSum(t.ref), amount).Cmp(big.NewInt(usage.amount)) > 0 {
				return ruleRevertExceeds
			}
		}
		if debit != nil {
			switch {
			case m.state[t.debit] == "closed":
				return ruleDebitClosed
			case m.state[t.debit] != "active":
				return ruleDebitDisabled
			case m.orgState[m.org[t.debit]] != "enabled":
				return ruleDebitOrg
			}
			after := new(big.Int).Sub(&debit.credits, &debit.debits)
			after.Sub(after, amount)
			if after.Cmp(big.NewInt(m.creditMin[t.debit])) < 0 {
				return ruleInsufficient
			}
			if new(big.Int).Add(&debit.debits, amount).Cmp(maxInt64) > 0 {
				return ruleDebitOverflow
			}
		}
		if credit != nil {
			if m.state[t.credit] == "closed" {
				return ruleCreditClosed
			}
			if new(big.Int).Add(&credit.credits, amount).Cmp(maxInt64) > 0 {
				return ruleCreditOverflow
			}
		}
		if debit != nil {
			debit.debits.Add(&debit.debits, amount)
		}
		if credit != nil {
			credit.credits.Add(&credit.credits, amount)
		}
		if t.kind == string(KindRevert) {
			s := revertedSum(t.ref)
			s.Add(s, amount)
		}
		added[t.id] = t
	}
	for id, a := range work {
		m.accounts[id] = a
	}
	for id, t := range added {
		m.journal[id] = t
	}
	for id, s := range reverted {
		m.reverted[id] = s
	}
	return ruleOK
}

// modelTransfer converts a transfer to the model's form.
func modelTransfer(t *Transfer) mTransfer {
	meta := "{}"
	if len(t.Metadata) > 0 {
		b, err := json.Marshal(map[string]any(t.Metadata))
		if err != nil {
			panic(err)
		}
		meta = string(b)
	}
	return mTransfer{id: t.ID, debit: t.DebitAccountID, credit: t.CreditAccountID, kind: string(t.Kind),
		source: t.Source, description: t.Description, user: t.UserID, ref: t.RefID, metadata: meta,
		amount: t.Amount}
}

// ---------------------------------------------------------------------------------------------
// The harness: program decoding, the simulated store, and the checks.

type progReader struct {
	b   []byte
	pos int
}

func (r *progReader) done() bool { return r.pos >= len(r.b) }

func (r *progReader) byte() byte {
	if r.pos >= len(r.b) {
		return 0
	}
	c := r.b[r.pos]
	r.pos++
	return c
}

func (r *progReader) intn(n int) int { return int(r.byte()) % n }

// amount reads an amount (see the program format).
func (r *progReader) amount() int64 {
	switch r.intn(12) {
	case 0, 1, 2, 3, 4, 5:
		return 1 + int64(r.byte())
	case 6:
		return 1 + int64(r.byte())<<8 | int64(r.byte())
	case 7:
		return math.MaxInt64 - int64(r.byte())
	case 8:
		return math.MaxInt64/2 + int64(r.byte()) - 128
	case 9:
		return -int64(r.byte())
	case 10:
		var b [8]byte
		for i := range b {
			b[i] = r.byte()
		}
		return int64(binary.BigEndian.Uint64(b[:]))
	default:
		return math.MinInt64 + int64(r.byte())
	}
}

// ledgerItem is one step of a batch: a posting, or a change of what guards a debit.
const (
	itemPosting = iota
	itemAccountState
	itemOrgState
	itemCreditMin
)

type ledgerItem struct {
	posting   *Posting
	account   string // state, credit_min
	org       int    // organization state
	state     string // "account" or "org" changes: the new state
	creditMin int64
	kind      int // itemPosting, itemAccountState, itemOrgState, itemCreditMin
}

func (it ledgerItem) String() string {
	switch it.kind {
	case itemAccountState:
		return fmt.Sprintf("account %s → %s", it.account, it.state)
	case itemOrgState:
		return fmt.Sprintf("organization %d → %s", it.org, it.state)
	case itemCreditMin:
		return fmt.Sprintf("account %s credit_min → %d", it.account, it.creditMin)
	}
	var b strings.Builder
	b.WriteString("posting")
	for _, t := range it.posting.Transfers {
		fmt.Fprintf(&b, "\n\t\t%s %s %s→%s %d ref=%q src=%q desc=%q user=%q meta=%v", t.ID, t.Kind,
			t.DebitAccountID, t.CreditAccountID, t.Amount, t.RefID, t.Source, t.Description, t.UserID, t.Metadata)
	}
	return b.String()
}

type ledgerHarness struct {
	t         testing.TB
	in        *progReader
	customers []string
	platform  string
	unknown   string

	// The store, as the engine's callers see it between transactions.
	accounts       map[string]LedgerAccount
	guards         map[string]AccountGuard // account state and credit_min; OrgState comes from orgStates
	orgOf          map[string]int
	orgStates      [2]OrgState
	journal        []Transfer
	journalIndex   map[string]int
	storedReverted map[string]int64

	model *ledgerModel

	// Generation.
	history []Transfer // every transfer generated so far, accepted or not
	usages  []int      // indexes in history of the usages
	nextID  int

	// Progress and diagnostics.
	items   int
	batches int
	done    []ledgerItem // the items applied, for failure messages
	rules   map[string]int
}

func runLedgerProgram(t testing.TB, prog []byte) *ledgerHarness {
	t.Helper()
	in := &progReader{b: prog}
	n := 2 + in.intn(2)
	h := &ledgerHarness{t: t, in: in, platform: PlatformAccountID(CreditCurrency), unknown: "acct-unknown",
		accounts: map[string]LedgerAccount{}, guards: map[string]AccountGuard{}, orgOf: map[string]int{},
		orgStates: [2]OrgState{OrgEnabled, OrgEnabled}, journalIndex: map[string]int{},
		storedReverted: map[string]int64{}, rules: map[string]int{}}
	for i := range n {
		id := "acct-" + string(rune('a'+i))
		h.customers = append(h.customers, id)
		h.accounts[id] = LedgerAccount{ID: id, Currency: CreditCurrency}
		h.guards[id] = AccountGuard{AccountID: id, State: AccountActive}
		h.orgOf[id] = min(i, 1)
	}
	h.model = newLedgerModel(h.customers)
	for !in.done() && h.items < maxLedgerItems && !t.Failed() {
		h.batch()
	}
	if !t.Failed() {
		h.verify()
	}
	return h
}

func (h *ledgerHarness) fail(format string, args ...any) {
	h.t.Helper()
	var last []string
	for _, it := range h.done[max(0, len(h.done)-12):] {
		last = append(last, it.String())
	}
	h.t.Errorf("batch %d: %s\nlast items:\n\t%s", h.batches, fmt.Sprintf(format, args...), strings.Join(last, "\n\t"))
}

func (h *ledgerHarness) customer(b byte) string { return h.customers[int(b)%len(h.customers)] }

func (h *ledgerHarness) newID() string {
	h.nextID++
	return fmt.Sprintf("t%04d", h.nextID)
}

// metadata returns one of a few metadata values, as JSON decoding makes them.
func metadataVariant(b byte) Metadata {
	switch b % 4 {
	case 0:
		return nil
	case 1:
		return Metadata{}
	case 2:
		return Metadata{"n": json.Number("1")}
	default:
		return Metadata{"n": "x", "deep": map[string]any{"k": []any{json.Number("2"), true}}}
	}
}

func cloneTransfer(t Transfer) Transfer {
	if t.Metadata != nil {
		m := make(Metadata, len(t.Metadata))
		for k, v := range t.Metadata {
			m[k] = v
		}
		t.Metadata = m
	}
	return t
}

// batch generates a batch of items, loads what commitPostings would load for it, applies the
// items to a fresh ledgerState and to the model, and commits the result to the store.
func (h *ledgerHarness) batch() {
	h.batches++
	n := 1 + h.in.intn(4)
	planned := map[string]int64{} // reverts generated in this batch, by usage
	items := make([]ledgerItem, 0, n)
	for range n {
		items = append(items, h.genItem(planned))
		h.items++
	}

	// What the store loads: the customer accounts the batch touches, their guards, the stored
	// transfers named as ids or refs, and the reverted sums of the refs.
	now := time.Date(2025, 1, 1, 0, 0, h.batches, 0, time.UTC)
	var accounts []LedgerAccount
	var guards []AccountGuard
	var stored []Transfer
	reverted := map[string]int64{}
	seen := map[string]bool{}
	for _, it := range items {
		if it.posting == nil {
			continue
		}
		for i := range it.posting.Transfers {
			tr := &it.posting.Transfers[i]
			tr.CreatedAt = now
			for _, id := range []string{tr.DebitAccountID, tr.CreditAccountID} {
				if a, ok := h.accounts[id]; ok && !seen["a:"+id] {
					seen["a:"+id] = true
					accounts = append(accounts, a)
					guards = append(guards, h.guard(id))
				}
			}
			for _, id := range []string{tr.ID, tr.RefID} {
				if j, ok := h.journalIndex[id]; ok && !seen["t:"+id] {
					seen["t:"+id] = true
					stored = append(stored, cloneTransfer(h.journal[j]))
				}
			}
			if tr.RefID != "" {
				if s := h.storedReverted[tr.RefID]; s != 0 || h.batches%2 == 0 {
					reverted[tr.RefID] = s // a store may or may not return zero sums
				}
			}
		}
	}
	if len(reverted) == 0 && h.batches%3 == 0 {
		reverted = nil
	}
	st := newLedgerState(accounts, guards, stored, reverted)

	// Apply.
	touched := map[string]bool{} // customer accounts the accepted postings changed
	for _, it := range items {
		h.done = append(h.done, it)
		if it.posting == nil {
			h.applyGuardChange(st, it)
			continue
		}
		if h.applyPosting(st, it.posting) {
			for _, tr := range it.posting.Transfers {
				for _, id := range []string{tr.DebitAccountID, tr.CreditAccountID} {
					if _, ok := h.accounts[id]; ok {
						touched[id] = true
					}
				}
			}
		}
		if h.t.Failed() {
			return
		}
	}

	// Commit, as AppendTransfers would.
	changed := st.changedAccounts()
	if len(changed) != len(touched) {
		h.fail("changedAccounts returns %d accounts, the accepted postings changed %d (%v)", len(changed), len(touched), touched)
		return
	}
	for _, a := range changed {
		if !touched[a.ID] {
			h.fail("changedAccounts returns %s, which no accepted posting changed", a.ID)
			return
		}
		if a != *st.accounts[a.ID] {
			h.fail("changedAccounts returns %+v, the state holds %+v", a, *st.accounts[a.ID])
		}
		if !a.UpdatedAt.Equal(now) {
			h.fail("account %s was changed at %v but says it was updated at %v", a.ID, now, a.UpdatedAt)
		}
		h.accounts[a.ID] = a
	}
	for _, tr := range st.accepted {
		if _, dup := h.journalIndex[tr.ID]; dup {
			h.fail("the engine accepted transfer %s, whose id is in the journal", tr.ID)
			return
		}
		h.journalIndex[tr.ID] = len(h.journal)
		h.journal = append(h.journal, cloneTransfer(tr))
		if tr.Kind == KindRevert {
			h.storedReverted[tr.RefID] += tr.Amount
		}
	}
	for _, id := range h.customers {
		h.checkAccount("stored", h.accounts[id])
	}
}

// guard returns the guard the store would load for a customer account.
func (h *ledgerHarness) guard(id string) AccountGuard {
	g := h.guards[id]
	g.OrgState = h.orgStates[h.orgOf[id]]
	return g
}

// applyGuardChange changes what guards a debit in the store, in the model, and in the running
// state's guards (as the store would reload them).
func (h *ledgerHarness) applyGuardChange(st *ledgerState, it ledgerItem) {
	switch it.kind {
	case itemAccountState:
		g := h.guards[it.account]
		g.State = AccountState(it.state)
		h.guards[it.account] = g
		h.model.state[it.account] = it.state
	case itemOrgState:
		h.orgStates[it.org] = OrgState(it.state)
		h.model.orgState[it.org] = it.state
	case itemCreditMin:
		g := h.guards[it.account]
		g.CreditMin = it.creditMin
		h.guards[it.account] = g
		h.model.creditMin[it.account] = it.creditMin
	}
	for id := range st.guards {
		st.guards[id] = h.guard(id)
	}
}

// ledgerSnapshot is what a rejected posting must leave as it was.
type ledgerSnapshot struct {
	accounts map[string]LedgerAccount
	dirty    map[string]bool
	reverted map[string]int64
	journal  map[string]*Transfer
	accepted int
}

func snapshotLedger(st *ledgerState) ledgerSnapshot {
	s := ledgerSnapshot{accounts: map[string]LedgerAccount{}, dirty: map[string]bool{},
		reverted: map[string]int64{}, journal: map[string]*Transfer{}, accepted: len(st.accepted)}
	for id, a := range st.accounts {
		s.accounts[id] = *a
	}
	for id, d := range st.dirty {
		if d {
			s.dirty[id] = true
		}
	}
	for id, v := range st.reverted {
		if v != 0 {
			s.reverted[id] = v
		}
	}
	for id, t := range st.journal {
		s.journal[id] = t
	}
	return s
}

func (s ledgerSnapshot) diff(o ledgerSnapshot) string {
	switch {
	case s.accepted != o.accepted:
		return fmt.Sprintf("accepted transfers %d → %d", s.accepted, o.accepted)
	case len(s.accounts) != len(o.accounts):
		return "the set of accounts changed"
	case len(s.dirty) != len(o.dirty):
		return fmt.Sprintf("changed accounts %v → %v", s.dirty, o.dirty)
	case len(s.reverted) != len(o.reverted):
		return fmt.Sprintf("reverted sums %v → %v", s.reverted, o.reverted)
	case len(s.journal) != len(o.journal):
		return fmt.Sprintf("journal of %d → %d transfers", len(s.journal), len(o.journal))
	}
	for id, a := range s.accounts {
		if o.accounts[id] != a {
			return fmt.Sprintf("account %+v → %+v", a, o.accounts[id])
		}
	}
	for id := range s.dirty {
		if !o.dirty[id] {
			return fmt.Sprintf("changed accounts %v → %v", s.dirty, o.dirty)
		}
	}
	for id, v := range s.reverted {
		if o.reverted[id] != v {
			return fmt.Sprintf("reverted sums %v → %v", s.reverted, o.reverted)
		}
	}
	for id, t := range s.journal {
		if o.journal[id] != t {
			return fmt.Sprintf("journal entry %s replaced", id)
		}
	}
	return ""
}

// applyPosting applies p to the engine and to the model, checks that they agree, and reports
// whether the posting was accepted.
func (h *ledgerHarness) applyPosting(st *ledgerState, p *Posting) bool {
	h.t.Helper()
	mts := make([]mTransfer, len(p.Transfers))
	for i := range p.Transfers {
		mts[i] = modelTransfer(&p.Transfers[i])
	}
	before := snapshotLedger(st)

	err := st.apply(p)
	rule := h.model.post(mts)
	h.rules[rule]++
	want := modelVerdicts[rule]

	var e *Error
	switch {
	case err == nil && want.code != "":
		h.fail("the engine accepted a posting the model rejects by rule %q (%s)", rule, want.code)
		return false
	case err != nil && !errors.As(err, &e):
		h.fail("the engine's error %v (%T) is not an *Error", err, err)
		return false
	case err != nil && want.code == "":
		h.fail("the engine rejected a posting the model accepts: %v", err)
		return false
	case err != nil && e.Code != want.code:
		h.fail("the engine answers %v; the model rejects by rule %q with code %s", err, rule, want.code)
		return false
	case err != nil && !strings.Contains(e.Message, want.message):
		h.fail("the engine answers %v; the model rejects by rule %q, whose message says %q", err, rule, want.message)
		return false
	}

	after := snapshotLedger(st)
	if err != nil {
		if d := before.diff(after); d != "" {
			h.fail("a rejected posting (%v) changed the state: %s", err, d)
			return false
		}
	} else {
		if len(st.accepted) != before.accepted+len(p.Transfers) {
			h.fail("an accepted posting of %d transfers took accepted from %d to %d", len(p.Transfers), before.accepted, len(st.accepted))
			return false
		}
		for i, tr := range st.accepted[before.accepted:] {
			if modelTransfer(&tr) != mts[i] || !tr.CreatedAt.Equal(p.Transfers[i].CreatedAt) {
				h.fail("accepted transfer %d is %+v, the posting's is %+v", i, tr, p.Transfers[i])
				return false
			}
		}
	}
	for id, a := range st.accounts {
		if a.ID != id {
			h.fail("account %s is held under %s", a.ID, id)
		}
		h.checkAccount("running", *a)
	}
	for ref, v := range st.reverted {
		if want := h.model.revertedSum(ref); v != want {
			h.fail("usage %s has reverts summing to %d, the model says %d", ref, v, want)
		}
		if v < 0 {
			h.fail("usage %s has reverts summing to %d", ref, v)
		}
		if v > 0 {
			u, ok := st.journal[ref]
			if !ok {
				h.fail("usage %s has reverts summing to %d but is not in the journal", ref, v)
			} else if v > u.Amount {
				h.fail("usage %s of %d has reverts summing to %d", ref, u.Amount, v)
			}
		}
	}
	return err == nil
}

// checkAccount compares a ledger account with the model.
func (h *ledgerHarness) checkAccount(where string, a LedgerAccount) {
	h.t.Helper()
	m := h.model.accounts[a.ID]
	if m == nil {
		h.fail("%s account %s is not a customer account", where, a.ID)
		return
	}
	if a.DebitsPosted < 0 || a.CreditsPosted < 0 {
		h.fail("%s account %s has negative totals: debits %d, credits %d", where, a.ID, a.DebitsPosted, a.CreditsPosted)
	}
	if !m.debits.IsInt64() || !m.credits.IsInt64() {
		h.fail("the model's account %s overflowed: debits %v, credits %v", a.ID, &m.debits, &m.credits)
		return
	}
	if a.DebitsPosted != m.debits.Int64() || a.CreditsPosted != m.credits.Int64() {
		h.fail("%s account %s has debits %d, credits %d (balance %d); the model has debits %v, credits %v",
			where, a.ID, a.DebitsPosted, a.CreditsPosted, a.Balance().Amount, &m.debits, &m.credits)
	}
	want := new(big.Int).Sub(&m.credits, &m.debits)
	if b := a.Balance(); !want.IsInt64() || b.Amount != want.Int64() || b.Currency != CreditCurrency {
		h.fail("%s account %s has balance %d %s, the model %v", where, a.ID, b.Amount, b.Currency, want)
	}
}

// verify re-sums the stored journal, as billd verify does, and compares it with the stored totals
// and the model.
func (h *ledgerHarness) verify() {
	credits, debits := map[string]*big.Int{}, map[string]*big.Int{}
	reverted := map[string]*big.Int{}
	for _, id := range h.customers {
		credits[id], debits[id] = new(big.Int), new(big.Int)
	}
	for _, tr := range h.journal {
		if _, ok := h.model.journal[tr.ID]; !ok {
			h.fail("stored transfer %s is not in the model's journal", tr.ID)
		}
		if c, ok := credits[tr.CreditAccountID]; ok {
			c.Add(c, big.NewInt(tr.Amount))
		}
		if d, ok := debits[tr.DebitAccountID]; ok {
			d.Add(d, big.NewInt(tr.Amount))
		}
		if tr.Kind == KindRevert {
			if reverted[tr.RefID] == nil {
				reverted[tr.RefID] = new(big.Int)
			}
			reverted[tr.RefID].Add(reverted[tr.RefID], big.NewInt(tr.Amount))
		}
	}
	if len(h.journal) != len(h.model.journal) {
		h.fail("the journal holds %d transfers, the model's %d", len(h.journal), len(h.model.journal))
	}
	for _, id := range h.customers {
		a := h.accounts[id]
		if credits[id].Cmp(big.NewInt(a.CreditsPosted)) != 0 || debits[id].Cmp(big.NewInt(a.DebitsPosted)) != 0 {
			h.fail("account %s stores debits %d, credits %d; its journal sums to debits %v, credits %v",
				id, a.DebitsPosted, a.CreditsPosted, debits[id], credits[id])
		}
	}
	for ref, sum := range reverted {
		j, ok := h.journalIndex[ref]
		if !ok {
			h.fail("reverts of %s, which is not in the journal", ref)
			continue
		}
		u := h.journal[j]
		if u.Kind != KindUsage || sum.Cmp(big.NewInt(u.Amount)) > 0 {
			h.fail("the reverts of %s (%s of %d) sum to %v", ref, u.Kind, u.Amount, sum)
		}
		if sum.Cmp(big.NewInt(h.storedReverted[ref])) != 0 || sum.Cmp(big.NewInt(h.model.revertedSum(ref))) != 0 {
			h.fail("the reverts of %s sum to %v; the store says %d, the model %d", ref, sum, h.storedReverted[ref], h.model.revertedSum(ref))
		}
	}
}

// ---------------------------------------------------------------------------------------------
// Generation.

func (h *ledgerHarness) genItem(planned map[string]int64) ledgerItem {
	in := h.in
	switch in.intn(16) {
	case 12, 13:
		it := ledgerItem{kind: itemAccountState, account: h.customer(in.byte())}
		it.state = string([]AccountState{AccountActive, AccountActive, AccountDisabled, AccountClosed}[in.intn(4)])
		return it
	case 14:
		it := ledgerItem{kind: itemOrgState, org: in.intn(2)}
		it.state = string([]OrgState{OrgEnabled, OrgEnabled, OrgDisabled, OrgClosed}[in.intn(4)])
		return it
	case 15:
		return ledgerItem{kind: itemCreditMin, account: h.customer(in.byte()), creditMin: in.amount()}
	default:
		n := 1 + in.intn(5)
		p := &Posting{Transfers: make([]Transfer, 0, n)}
		for range n {
			t := h.genTransfer(planned)
			p.Transfers = append(p.Transfers, t)
			h.history = append(h.history, cloneTransfer(t))
			if t.Kind == KindUsage {
				h.usages = append(h.usages, len(h.history)-1)
			}
		}
		return ledgerItem{posting: p}
	}
}

func (h *ledgerHarness) genTransfer(planned map[string]int64) Transfer {
	in := h.in
	switch in.intn(10) {
	case 0, 1, 2:
		return h.genEntry(KindGrant)
	case 6, 7:
		return h.genRevert(planned)
	case 8:
		return h.genReplay()
	case 9:
		return h.genOdd()
	default:
		return h.genEntry(KindUsage)
	}
}

// genEntry makes a grant or a usage the way GrantCredits and ReportUsage do.
func (h *ledgerHarness) genEntry(kind TransferKind) Transfer {
	account := h.customer(h.in.byte())
	amount := h.in.amount()
	attrs := h.in.byte()
	t := Transfer{ID: h.newID(), Amount: amount, Kind: kind, Metadata: metadataVariant(attrs)}
	if kind == KindGrant {
		t.DebitAccountID, t.CreditAccountID, t.Source = h.platform, account, "system.awarded"
	} else {
		t.DebitAccountID, t.CreditAccountID, t.Source = account, h.platform, "system"
	}
	if attrs&4 != 0 {
		t.Source = "api"
	}
	if attrs&8 != 0 {
		t.UserID = "user-1"
	}
	if attrs&16 != 0 {
		t.Description = "entry " + t.ID
	}
	return t
}

// genRevert makes a revert the way RevertUsage does, of an earlier usage (or of something else).
func (h *ledgerHarness) genRevert(planned map[string]int64) Transfer {
	in := h.in
	class, idx := in.intn(8), int(in.byte())
	var ref, credit string
	var usageAmount int64
	switch {
	case class <= 4 && len(h.usages) > 0:
		u := h.history[h.usages[len(h.usages)-1-idx%len(h.usages)]]
		ref, credit, usageAmount = u.ID, u.DebitAccountID, u.Amount
	case class <= 6 && len(h.history) > 0:
		u := h.history[len(h.history)-1-idx%len(h.history)]
		ref, credit, usageAmount = u.ID, u.CreditAccountID, u.Amount
		if u.Kind == KindUsage {
			credit = u.DebitAccountID
		}
	default:
		ref, credit = fmt.Sprintf("missing-%d", idx), h.customer(byte(idx))
		if idx == 0 {
			ref = ""
		}
	}
	left := satSub(satSub(usageAmount, h.model.revertedSum(ref)), planned[ref])
	var amount int64
	switch in.intn(5) {
	case 0:
		amount = max(left, 1)
	case 1:
		amount = max(left/2, 1)
	case 2:
		amount = max(satAdd(left, 1), 1)
	case 3:
		amount = in.amount()
	default:
		amount = 1
	}
	flags := in.byte()
	if flags&1 != 0 {
		credit = h.customers[(slices.Index(h.customers, credit)+1)%len(h.customers)]
	}
	if amount > 0 {
		planned[ref] = satAdd(planned[ref], amount)
	}
	return Transfer{ID: h.newID(), DebitAccountID: h.platform, CreditAccountID: credit, Amount: amount,
		Kind: KindRevert, Source: "system.revert.system", Description: "Revert: ", RefID: ref,
		Metadata: Metadata{"revert_request_using": ref}}
}

// genReplay repeats an earlier transfer's id, with the same request or a different one.
func (h *ledgerHarness) genReplay() Transfer {
	in := h.in
	idx, mutation := int(in.byte()), in.intn(11)
	if len(h.history) == 0 {
		return Transfer{ID: h.newID(), DebitAccountID: h.platform, CreditAccountID: h.customers[0], Amount: 1, Kind: KindGrant}
	}
	t := cloneTransfer(h.history[len(h.history)-1-idx%len(h.history)])
	switch mutation {
	case 1: // nil and empty metadata are the same request
		if len(t.Metadata) == 0 {
			if t.Metadata == nil {
				t.Metadata = Metadata{}
			} else {
				t.Metadata = nil
			}
		}
	case 3:
		if t.Amount == math.MaxInt64 {
			t.Amount--
		} else {
			t.Amount++
		}
	case 4:
		t.Description += "!"
	case 5:
		t.Source = "other"
	case 6:
		t.UserID += "-other"
	case 7:
		if t.Metadata["changed"] == nil {
			t.Metadata = Metadata{"changed": true}
		} else {
			t.Metadata = Metadata{"changed": false}
		}
	case 8:
		switch t.Kind {
		case KindUsage:
			t.Kind = KindGrant
		case KindGrant:
			t.Kind = KindRevert
		default:
			t.Kind = KindUsage
		}
	case 9:
		t.RefID += "x"
	case 10:
		t.DebitAccountID, t.CreditAccountID = t.CreditAccountID, t.DebitAccountID
	}
	return t
}

// genOdd makes a transfer between any two accounts, which no use case makes.
func (h *ledgerHarness) genOdd() Transfer {
	in := h.in
	pick := func(b byte) string {
		switch b % 5 {
		case 3:
			return h.platform
		case 4:
			return h.unknown
		default:
			return h.customer(b % 5)
		}
	}
	debit, credit := pick(in.byte()), pick(in.byte())
	kind := []TransferKind{KindUsage, KindGrant, KindRevert}[in.intn(3)]
	return Transfer{ID: h.newID(), DebitAccountID: debit, CreditAccountID: credit, Amount: in.amount(), Kind: kind}
}

func satAdd(a, b int64) int64 {
	s := new(big.Int).Add(big.NewInt(a), big.NewInt(b))
	return clampInt64(s)
}

func satSub(a, b int64) int64 {
	s := new(big.Int).Sub(big.NewInt(a), big.NewInt(b))
	return clampInt64(s)
}

func clampInt64(v *big.Int) int64 {
	switch {
	case v.Cmp(maxInt64) > 0:
		return math.MaxInt64
	case v.Cmp(big.NewInt(math.MinInt64)) < 0:
		return math.MinInt64
	}
	return v.Int64()
}

// ---------------------------------------------------------------------------------------------
// Seeds: programs written with the encoder below, each reaching the rules it names.

type ledgerSeed struct {
	name string
	prog []byte
	want []string // rules the seed must reach
}

func ledgerSeeds() []ledgerSeed {
	const a, b, c = 0, 1, 2
	return []ledgerSeed{
		{"grant then usages", sProg(2,
			sBatch(sPost(sGrant(a, aSmall(100)))),
			sBatch(sPost(sUsage(a, aSmall(60))), sPost(sUsage(a, aSmall(60))), sPost(sUsage(a, aSmall(40))))),
			[]string{ruleOK, ruleInsufficient}},
		{"amounts that are not positive", sProg(2,
			sBatch(sPost(sGrant(a, aNonPos(0))), sPost(sUsage(b, aNonPos(7))), sPost(sGrant(a, aMin(0))))),
			[]string{ruleAmount}},
		{"replays", sProg(3,
			sBatch(sPost(sGrant(a, aSmall(200))), sPost(sUsage(a, aSmall(10))), sPost(sReplay(0, 0))),
			sBatch(sPost(sReplay(1, 0)), sPost(sReplay(1, 1)), sPost(sReplay(2, 3))),
			sBatch(sPost(sReplay(4, 4)), sPost(sReplay(4, 5)), sPost(sReplay(4, 6)), sPost(sReplay(4, 7))),
			sBatch(sPost(sReplay(4, 8)), sPost(sReplay(4, 9)), sPost(sReplay(4, 10)))),
			[]string{ruleOK, ruleReplaySame, ruleReplayDifferent}},
		{"replayed revert", sProg(2,
			sBatch(sPost(sGrant(b, aSmall(50))), sPost(sUsage(b, aSmall(30))), sPost(sRevert(refUsage, 0, 4, 0, nil))),
			sBatch(sPost(sReplay(0, 0))),
			sBatch(sPost(sReplay(1, 0)), sPost(sReplay(1, 3)))),
			[]string{ruleReplayRevert, ruleReplayDifferent}},
		{"reverts", sProg(2,
			sBatch(sPost(sGrant(a, aSmall(250))), sPost(sUsage(a, aSmall(100)))),
			sBatch(sPost(sRevert(refUsage, 0, 1, 0, nil)), sPost(sRevert(refUsage, 0, 2, 0, nil)), sPost(sRevert(refUsage, 0, 0, 0, nil))),
			sBatch(sPost(sRevert(refUsage, 0, 4, 0, nil)), sPost(sRevert(refUsage, 0, 3, 0, aMax(0)))),
			sBatch(sPost(sRevert(refAny, 4, 4, 0, nil)), sPost(sRevert(refAny, 7, 4, 0, nil)), sPost(sRevert(refUnknown, 9, 4, 0, nil))),
			sBatch(sPost(sUsage(a, aSmall(5))), sPost(sRevert(refUsage, 0, 4, 1, nil)), sPost(sRevert(refUnknown, 0, 4, 0, nil)))),
			[]string{ruleOK, ruleRevertExceeds, ruleRevertOfRevert, ruleRevertNonUsage, ruleRevertNotFound, ruleRevertAccount}},
		{"revert in the posting of its usage", sProg(2,
			sBatch(sPost(sGrant(a, aSmall(9))), sPost(sUsage(a, aSmall(9)), sRevert(refUsage, 0, 0, 0, nil), sRevert(refUsage, 0, 4, 0, nil)),
				sPost(sUsage(a, aSmall(9)), sRevert(refUsage, 0, 0, 0, nil)))),
			[]string{ruleOK, ruleRevertExceeds}},
		{"guards", sProg(3,
			sBatch(sPost(sGrant(a, aSmall(100)), sGrant(b, aSmall(100)), sGrant(c, aSmall(100)))),
			sBatch(sAcctState(a, AccountDisabled), sPost(sUsage(a, aSmall(1))), sPost(sGrant(a, aSmall(1))), sAcctState(a, AccountActive)),
			sBatch(sAcctState(b, AccountClosed), sPost(sUsage(b, aSmall(1))), sPost(sGrant(b, aSmall(1)))),
			sBatch(sOrgState(0, OrgDisabled), sPost(sUsage(a, aSmall(1))), sPost(sUsage(c, aSmall(1))), sOrgState(0, OrgClosed)),
			sBatch(sPost(sUsage(a, aSmall(1))), sOrgState(0, OrgEnabled), sPost(sUsage(a, aSmall(1))), sOrgState(1, OrgDisabled)),
			sBatch(sPost(sUsage(c, aSmall(1))))),
			[]string{ruleOK, ruleDebitDisabled, ruleDebitClosed, ruleCreditClosed, ruleDebitOrg}},
		{"credit_min", sProg(2,
			sBatch(sCreditMin(a, aNonPos(50)), sPost(sUsage(a, aSmall(50))), sPost(sUsage(a, aSmall(1)))),
			sBatch(sPost(sGrant(b, aSmall(100))), sCreditMin(b, aSmall(30)), sPost(sUsage(b, aSmall(71))), sPost(sUsage(b, aSmall(70)))),
			sBatch(sCreditMin(a, aMin(0)), sPost(sUsage(a, aMax(0))), sPost(sGrant(a, aSmall(100))), sPost(sUsage(a, aSmall(100)))),
			sBatch(sPost(sUsage(a, aMax(100)))),
			sBatch(sCreditMin(b, aMax(0)), sPost(sUsage(b, aSmall(1))), sCreditMin(b, aRaw(-1)))),
			[]string{ruleOK, ruleInsufficient, ruleDebitOverflow}},
		{"huge amounts", sProg(2,
			sBatch(sPost(sGrant(a, aMax(0))), sPost(sGrant(a, aSmall(1))), sPost(sUsage(a, aMax(0)))),
			sBatch(sPost(sGrant(a, aHalf(0))), sPost(sGrant(a, aHalf(0))), sPost(sGrant(b, aHalf(127)), sGrant(b, aHalf(127)))),
			sBatch(sPost(sGrant(b, aRaw(math.MaxInt64/3))), sPost(sUsage(b, aRaw(math.MaxInt64/3)), sRevert(refUsage, 0, 0, 0, nil)))),
			[]string{ruleOK, ruleCreditOverflow}},
		{"all or nothing", sProg(3,
			sBatch(sPost(sGrant(a, aSmall(10)), sGrant(b, aSmall(10)))),
			sBatch(sPost(sUsage(a, aSmall(5)), sUsage(b, aSmall(5)), sUsage(b, aSmall(6))),
				sPost(sUsage(a, aSmall(5)), sUsage(b, aSmall(5)), sReplay(0, 0)),
				sPost(sUsage(a, aSmall(5)), sUsage(b, aSmall(5))))),
			[]string{ruleOK, ruleInsufficient, ruleReplaySame}},
		{"odd transfers", sProg(3,
			sBatch(sPost(sOdd(3, 3, 1, aSmall(5))), sPost(sOdd(3, 4, 0, aSmall(5))), sPost(sOdd(4, 0, 1, aSmall(5)))),
			sBatch(sPost(sOdd(0, 1, 0, aSmall(3))), sPost(sOdd(2, 2, 0, aSmall(5))), sPost(sOdd(0, 3, 2, aSmall(1))))),
			[]string{ruleOK, ruleNoCustomer, ruleInsufficient, ruleRevertNotFound}},
	}
}

func sProg(customers int, batches ...[]byte) []byte {
	return slices.Concat(append([][]byte{{byte(customers - 2)}}, batches...)...)
}

func sBatch(items ...[]byte) []byte {
	if len(items) > 4 {
		panic("a batch has at most 4 items")
	}
	return slices.Concat(append([][]byte{{byte(len(items) - 1)}}, items...)...)
}

func sPost(transfers ...[]byte) []byte {
	if len(transfers) > 5 {
		panic("a posting has at most 5 transfers")
	}
	return slices.Concat(append([][]byte{{0, byte(len(transfers) - 1)}}, transfers...)...)
}

func sGrant(account byte, amount []byte) []byte {
	return slices.Concat([]byte{0, account}, amount, []byte{0})
}

func sUsage(account byte, amount []byte) []byte {
	return slices.Concat([]byte{3, account}, amount, []byte{0})
}

// Revert ref classes.
const (
	refUsage   = 0 // a usage generated before, newest first
	refAny     = 5 // any transfer generated before, newest first
	refUnknown = 7 // an id that was never used
)

// sRevert: choice 0 left, 1 half, 2 one more than left, 3 amount, 4 one; flags bit 0 credits the
// wrong account.
func sRevert(class, index, choice, flags byte, amount []byte) []byte {
	return slices.Concat([]byte{6, class, index, choice}, amount, []byte{flags})
}

// sReplay: mutation 0-2 the same request; 3 amount, 4 description, 5 source, 6 user, 7 metadata,
// 8 kind, 9 ref, 10 accounts swapped.
func sReplay(index, mutation byte) []byte { return []byte{8, index, mutation} }

// sOdd: accounts 0-2 customers, 3 the platform, 4 unknown; kind 0 usage, 1 grant, 2 revert.
func sOdd(debit, credit, kind byte, amount []byte) []byte {
	return slices.Concat([]byte{9, debit, credit, kind}, amount)
}

func sAcctState(account byte, state AccountState) []byte {
	return []byte{12, account, map[AccountState]byte{AccountActive: 0, AccountDisabled: 2, AccountClosed: 3}[state]}
}

func sOrgState(org byte, state OrgState) []byte {
	return []byte{14, org, map[OrgState]byte{OrgEnabled: 0, OrgDisabled: 2, OrgClosed: 3}[state]}
}

func sCreditMin(account byte, value []byte) []byte {
	return slices.Concat([]byte{15, account}, value)
}

func aSmall(n int) []byte   { return []byte{0, byte(n - 1)} }
func aMax(k byte) []byte    { return []byte{7, k} }       // MaxInt64 - k
func aHalf(k byte) []byte   { return []byte{8, 128 + k} } // MaxInt64/2 + k
func aNonPos(k byte) []byte { return []byte{9, k} }       // -k
func aRaw(v int64) []byte   { return binary.BigEndian.AppendUint64([]byte{10}, uint64(v)) }
func aMin(k byte) []byte    { return []byte{11, k} } // MinInt64 + k
