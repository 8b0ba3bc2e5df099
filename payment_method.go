package billd

import "context"

// SetDefaultPaymentMethod makes a saved payment method of an account the one its provider charges
// off-session (recharges, renewals), at the provider and then in billd. Needs delete permission,
// as checkouts do. ENOTFOUND if the method is not the account's; EPRECONDITION if its provider is
// not configured.
func (s *Service) SetDefaultPaymentMethod(ctx context.Context, p Principal, billingID, methodID string) (*PaymentMethod, error) {
	a, m, pr, err := s.savedMethod(ctx, p, billingID, methodID)
	if err != nil {
		return nil, err
	}
	if err := pr.SetDefaultPaymentMethod(ctx, a.ProviderID, m.ProviderID); err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx Tx) error {
		if _, err := lockAccountOf(ctx, tx, a.OrgID, a.ID); err != nil {
			return err
		}
		m.Default = true
		return tx.PutPaymentMethod(ctx, m)
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// RemovePaymentMethod detaches a saved payment method of an account at its provider and forgets
// it. Needs delete permission. ENOTFOUND if the method is not the account's; EPRECONDITION if its
// provider is not configured.
func (s *Service) RemovePaymentMethod(ctx context.Context, p Principal, billingID, methodID string) error {
	a, m, pr, err := s.savedMethod(ctx, p, billingID, methodID)
	if err != nil {
		return err
	}
	if err := pr.DetachPaymentMethod(ctx, m.ProviderID); err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		if _, err := lockAccountOf(ctx, tx, a.OrgID, a.ID); err != nil {
			return err
		}
		return tx.DeletePaymentMethod(ctx, m.ID)
	})
}

// savedMethod returns the account billingID, its saved method methodID and the method's provider.
func (s *Service) savedMethod(ctx context.Context, p Principal, billingID, methodID string) (*BillingAccount, *PaymentMethod, Provider, error) {
	var a *BillingAccount
	var found *PaymentMethod
	err := s.view(ctx, func(tx Tx) error {
		var err error
		if a, err = readableAccount(ctx, tx, p, PermDelete, "", billingID); err != nil {
			return err
		}
		methods, err := tx.PaymentMethods(ctx, a.ID)
		for _, m := range methods {
			if m.ID == methodID {
				found = m
			}
		}
		return err
	})
	if err != nil {
		return nil, nil, nil, err
	}
	if found == nil {
		return nil, nil, nil, Errorf(ENOTFOUND, "payment method not found")
	}
	pr := s.providers[found.Provider]
	if pr == nil {
		return nil, nil, nil, Errorf(EPRECONDITION, "the payment method's provider %q is not configured", found.Provider)
	}
	return a, found, pr, nil
}
