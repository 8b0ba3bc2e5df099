package billd

import (
	"context"
	"encoding/json"
	"time"
)

// Notice is an event for webhook receivers. It is written to the outbox in the transaction of the
// change that causes it, so that it is sent exactly when the change is stored; delivery happens
// after commit. Its id is derived from what caused it, so writing it twice stores it once.
type Notice struct {
	ID        string
	Type      NoticeType
	OrgID     string // empty for a platform-wide event
	AccountID string
	Data      json.RawMessage // a JSON object: the event's payload
	CreatedAt time.Time
}

// NoticeType names an event sent to webhook receivers.
type NoticeType string

// The events billd sends.
const (
	NoticeBalanceLow         NoticeType = "balance.low"
	NoticeUsageRejected      NoticeType = "usage.rejected"
	NoticeCheckoutCompleted  NoticeType = "checkout.completed"
	NoticeRechargeSucceeded  NoticeType = "recharge.succeeded"
	NoticeRechargeFailed     NoticeType = "recharge.failed"
	NoticeInvoiceCreated     NoticeType = "invoice.created"
	NoticeInvoicePaid        NoticeType = "invoice.paid"
	NoticeAccountSuspended   NoticeType = "account.suspended"
	NoticeAccountReactivated NoticeType = "account.reactivated"
)

// NoticeTypes lists every event type, in a stable order.
var NoticeTypes = []NoticeType{NoticeBalanceLow, NoticeUsageRejected, NoticeCheckoutCompleted, NoticeRechargeSucceeded,
	NoticeRechargeFailed, NoticeInvoiceCreated, NoticeInvoicePaid, NoticeAccountSuspended, NoticeAccountReactivated}

// NoticeTx writes the outbox.
type NoticeTx interface {
	// AppendNotices stores notices in the outbox; a notice whose id is already there is skipped.
	AppendNotices(ctx context.Context, notices []Notice) error
}

// newNotice returns the notice of type t about account a, with the id derived from cause (unique
// per event: the id of the object or crossing that caused it) and data as its payload.
func newNotice(t NoticeType, cause string, orgID, accountID string, data any, at time.Time) Notice {
	b, err := json.Marshal(data)
	if err != nil || len(b) == 0 || b[0] != '{' {
		b = []byte("{}")
	}
	return Notice{ID: DeriveUUID("notice:" + string(t) + ":" + cause), Type: t, OrgID: orgID, AccountID: accountID,
		Data: b, CreatedAt: at}
}
