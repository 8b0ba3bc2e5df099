// Package frontier serves the Raystack Frontier v1beta1 dialect (and billd's own admin service)
// over one billd.Service. Server implements the generated Connect handler interfaces; the same
// methods back every transport: Connect (JSON and binary), gRPC and gRPC-Web through connect-go,
// and the legacy REST paths, which package web decodes into the same request messages. The
// generated messages (frontierv1beta1, billdv1, from proto/) are the dialect's only wire model;
// this file is the one mapping between them and the domain.
package frontier

import (
	"encoding/json"
	"math"
	"time"

	"github.com/billd/billd"
	"github.com/billd/billd/web/frontier/billdv1"
	fv1 "github.com/billd/billd/web/frontier/frontierv1beta1"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// timestamp encodes t; the zero time is unset (null on REST).
func timestamp(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

// toStruct encodes metadata as a google.protobuf.Struct, which is never unset: an empty object is
// {}. Numbers become doubles, as Struct holds them.
func toStruct(m billd.Metadata) *structpb.Struct {
	s := &structpb.Struct{Fields: make(map[string]*structpb.Value, len(m))}
	for k, v := range m {
		s.Fields[k] = toValue(v)
	}
	return s
}

// toValue encodes one value decoded from JSON (json.Number for numbers).
func toValue(v any) *structpb.Value {
	switch v := v.(type) {
	case nil:
		return structpb.NewNullValue()
	case bool:
		return structpb.NewBoolValue(v)
	case string:
		return structpb.NewStringValue(v)
	case json.Number:
		f, err := v.Float64()
		if err != nil || math.IsInf(f, 0) {
			// Beyond a double (stored before metadata became a Struct): a Struct cannot hold it,
			// so it is shown as its text.
			return structpb.NewStringValue(string(v))
		}
		return structpb.NewNumberValue(f)
	case float64:
		return structpb.NewNumberValue(v)
	case map[string]any:
		return structpb.NewStructValue(toStruct(v))
	case []any:
		l := &structpb.ListValue{Values: make([]*structpb.Value, len(v))}
		for i, e := range v {
			l.Values[i] = toValue(e)
		}
		return structpb.NewListValue(l)
	default: // only JSON values are stored
		return structpb.NewNullValue()
	}
}

// fromStruct decodes a request's metadata; unset is empty. Numbers are kept as the json.Number
// of their JSON text, as the domain stores them, so that a replayed request compares equal to what
// was stored. A number that JSON cannot hold (NaN, ±Inf: binary clients can send them) is EINVALID.
func fromStruct(s *structpb.Struct) (billd.Metadata, error) {
	m, err := fromFields(s.GetFields())
	return billd.Metadata(m), err
}

// fromFields decodes an object's fields as encoding/json decodes an object into an any.
func fromFields(fields map[string]*structpb.Value) (map[string]any, error) {
	m := make(map[string]any, len(fields))
	for k, v := range fields {
		x, err := fromValue(v)
		if err != nil {
			return nil, err
		}
		m[k] = x
	}
	return m, nil
}

// errNumber refuses a metadata number that JSON cannot hold.
var errNumber = billd.Errorf(billd.EINVALID, "metadata numbers must be finite")

func fromValue(v *structpb.Value) (any, error) {
	switch k := v.GetKind().(type) {
	case *structpb.Value_BoolValue:
		return k.BoolValue, nil
	case *structpb.Value_StringValue:
		return k.StringValue, nil
	case *structpb.Value_NumberValue:
		if math.IsNaN(k.NumberValue) || math.IsInf(k.NumberValue, 0) {
			return nil, errNumber
		}
		b, _ := json.Marshal(k.NumberValue)
		return json.Number(b), nil
	case *structpb.Value_StructValue:
		return fromFields(k.StructValue.GetFields())
	case *structpb.Value_ListValue:
		l := make([]any, len(k.ListValue.GetValues()))
		for i, e := range k.ListValue.GetValues() {
			x, err := fromValue(e)
			if err != nil {
				return nil, err
			}
			l[i] = x
		}
		return l, nil
	default:
		return nil, nil
	}
}

func organization(o *billd.Organization) *fv1.Organization {
	return &fv1.Organization{Id: o.ID, Name: o.Name, Title: o.Title, Metadata: toStruct(o.Metadata),
		CreatedAt: timestamp(o.CreatedAt), UpdatedAt: timestamp(o.UpdatedAt), State: string(o.State), Avatar: o.Avatar}
}

func organizationInput(b *fv1.OrganizationRequestBody) (billd.OrganizationInput, error) {
	m, err := fromStruct(b.GetMetadata())
	return billd.OrganizationInput{Name: b.GetName(), Title: b.GetTitle(), Metadata: m, Avatar: b.GetAvatar()}, err
}

func project(p *billd.Project) *fv1.Project {
	return &fv1.Project{Id: p.ID, Name: p.Name, Title: p.Title, OrgId: p.OrgID, Metadata: toStruct(p.Metadata),
		CreatedAt: timestamp(p.CreatedAt), UpdatedAt: timestamp(p.UpdatedAt)}
}

func projectInput(b *fv1.ProjectRequestBody) (billd.ProjectInput, error) {
	m, err := fromStruct(b.GetMetadata())
	return billd.ProjectInput{Name: b.GetName(), Title: b.GetTitle(), Metadata: m, OrgID: b.GetOrgId()}, err
}

// billingAccount encodes an account; org, if not nil, is the expanded organization.
func billingAccount(a *billd.BillingAccount, org *billd.Organization) *fv1.BillingAccount {
	out := &fv1.BillingAccount{Id: a.ID, OrgId: a.OrgID, Name: a.Name, Email: a.Email, Phone: a.Phone,
		Address: &fv1.BillingAccount_Address{Line1: a.Address.Line1, Line2: a.Address.Line2, City: a.Address.City,
			State: a.Address.State, PostalCode: a.Address.PostalCode, Country: a.Address.Country},
		ProviderId: a.ProviderID, Provider: a.Provider, Currency: a.Currency, State: string(a.State),
		TaxData: make([]*fv1.BillingAccount_Tax, len(a.TaxData)), Metadata: toStruct(a.Metadata),
		CreatedAt: timestamp(a.CreatedAt), UpdatedAt: timestamp(a.UpdatedAt)}
	for i, t := range a.TaxData {
		out.TaxData[i] = &fv1.BillingAccount_Tax{Type: t.Type, Id: t.ID}
	}
	if org != nil {
		out.Organization = organization(org)
	}
	return out
}

func billingAccountInput(b *fv1.BillingAccountRequestBody) (billd.BillingAccountInput, error) {
	m, err := fromStruct(b.GetMetadata())
	addr := b.GetAddress()
	in := billd.BillingAccountInput{Name: b.GetName(), Email: b.GetEmail(), Phone: b.GetPhone(),
		Address: billd.Address{Line1: addr.GetLine1(), Line2: addr.GetLine2(), City: addr.GetCity(),
			State: addr.GetState(), PostalCode: addr.GetPostalCode(), Country: addr.GetCountry()},
		Currency: b.GetCurrency(), TaxData: make([]billd.TaxID, len(b.GetTaxData())), Metadata: m}
	for i, t := range b.GetTaxData() {
		in.TaxData[i] = billd.TaxID{Type: t.GetType(), ID: t.GetId()}
	}
	return in, err
}

func balance(amount int64, currency string, updatedAt time.Time) *fv1.BillingAccount_Balance {
	return &fv1.BillingAccount_Balance{Amount: amount, Currency: currency, UpdatedAt: timestamp(updatedAt)}
}

// transaction encodes a journal entry from its account's side; customer, if not nil, is the
// expanded account. A transfer never changes, so updated_at is created_at. billd has no users, so
// user is never set.
func transaction(t *billd.Transaction, customer *billd.BillingAccount) *fv1.BillingTransaction {
	out := &fv1.BillingTransaction{Id: t.ID, CustomerId: t.AccountID, Source: t.Source, Amount: t.Amount,
		Type: t.Direction(), Description: t.Description, UserId: t.UserID, Metadata: toStruct(t.Metadata),
		CreatedAt: timestamp(t.CreatedAt), UpdatedAt: timestamp(t.CreatedAt)}
	if customer != nil {
		out.Customer = billingAccount(customer, nil)
	}
	return out
}

func usageReport(r *fv1.CreateBillingUsageRequest) (billd.UsageReport, error) {
	rep := billd.UsageReport{OrgID: r.GetOrgId(), ProjectID: r.GetProjectId(), BillingID: r.GetBillingId(),
		Usages: make([]billd.Usage, len(r.GetUsages()))}
	for i, u := range r.GetUsages() {
		m, err := fromStruct(u.GetMetadata())
		if err != nil {
			return rep, err
		}
		rep.Usages[i] = billd.Usage{ID: u.GetId(), CustomerID: u.GetCustomerId(), Source: u.GetSource(),
			Description: u.GetDescription(), Type: u.GetType(), Amount: u.GetAmount(), UserID: u.GetUserId(), Metadata: m}
	}
	return rep, nil
}

func apiClient(c *billd.APIClient) *billdv1.Client {
	return &billdv1.Client{Id: c.ID, Name: c.Name, Role: string(c.Role), OrgId: c.OrgID, CreatedAt: timestamp(c.CreatedAt)}
}

// checkoutSession encodes a checkout; a customer portal's (not stored) has only its URL.
func checkoutSession(c *billd.Checkout) *fv1.CheckoutSession {
	return &fv1.CheckoutSession{Id: c.ID, CheckoutUrl: c.URL, SuccessUrl: c.SuccessURL, CancelUrl: c.CancelURL,
		State: string(c.State), Plan: c.PlanID, Product: c.ProductID, Metadata: toStruct(c.Metadata),
		CreatedAt: timestamp(c.CreatedAt), UpdatedAt: timestamp(c.UpdatedAt), ExpireAt: timestamp(c.ExpireAt),
		PaymentStatus: string(c.PaymentStatus), PaymentError: c.PaymentError}
}

// subscription encodes a subscription. Its phases are what is scheduled: a change of plan, and
// its end when it is canceled at the end of the period. billd keeps no billing cycle anchor apart
// from the current period, so billing_cycle_anchor_at is unset.
func subscription(s *billd.Subscription) *fv1.Subscription {
	out := &fv1.Subscription{Id: s.ID, CustomerId: s.AccountID, ProviderId: s.ProviderID, PlanId: s.PlanID,
		State: string(s.State), Metadata: toStruct(s.Metadata), CreatedAt: timestamp(s.CreatedAt),
		UpdatedAt: timestamp(s.UpdatedAt), CanceledAt: timestampOf(s.CanceledAt), EndedAt: timestampOf(s.EndedAt),
		TrialEndsAt: timestampOf(s.TrialEndsAt), CurrentPeriodStartAt: timestamp(s.CurrentPeriod.Start),
		CurrentPeriodEndAt: timestamp(s.CurrentPeriod.End), Phases: []*fv1.Subscription_Phase{}}
	if s.NextPlanID != "" {
		out.Phases = append(out.Phases, &fv1.Subscription_Phase{EffectiveAt: timestampOf(s.NextPlanAt), PlanId: s.NextPlanID, Reason: "change"})
	}
	if s.CancelAtPeriodEnd && s.EndedAt == nil {
		out.Phases = append(out.Phases, &fv1.Subscription_Phase{EffectiveAt: timestamp(s.CurrentPeriod.End), Reason: "cancel"})
	}
	return out
}

// timestampOf encodes an optional time; nil is unset.
func timestampOf(t *time.Time) *timestamppb.Timestamp {
	if t == nil {
		return nil
	}
	return timestamp(*t)
}

// paymentMethod encodes a saved payment method of an account (its customer).
func paymentMethod(m *billd.PaymentMethod) *fv1.PaymentMethod {
	return &fv1.PaymentMethod{Id: m.ID, CustomerId: m.AccountID, ProviderId: m.ProviderID, Type: m.Type,
		CardBrand: m.CardBrand, CardLast4: m.CardLast4, CardExpiryMonth: m.ExpiryMonth, CardExpiryYear: m.ExpiryYear,
		Metadata: toStruct(m.Metadata), CreatedAt: timestamp(m.CreatedAt), IsDefault: m.Default}
}
