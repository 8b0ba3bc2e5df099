package billd

import "context"

// UpdateAccount changes an account's profile (when profile is not nil: it replaces the profile
// as UpdateBillingAccount does) and its controls (as UpdateAccountControls does) in one
// transaction under the account's write lock, so that either every change is made or none. It
// needs the permissions of both: delete permission for a profile, update permission for the
// recharge settings, a platform admin for every other control (EFORBIDDEN naming the field,
// before anything is read). Returns the account as it now is.
func (s *Service) UpdateAccount(ctx context.Context, p Principal, orgID, id string, profile *BillingAccountInput, u ControlsUpdate) (*BillingAccount, error) {
	perm := PermUpdate
	if profile != nil {
		perm = PermDelete
	}
	if field := u.adminOnly(); field != "" {
		if err := authorize(p, PermSuper, ""); err != nil {
			return nil, Errorf(EFORBIDDEN, "only a platform admin may set the %s", field)
		}
		perm = PermSuper
	}
	if err := u.validate(); err != nil {
		return nil, err
	}
	if profile != nil {
		if err := profile.validate(s.limits); err != nil {
			return nil, err
		}
	}
	return s.changeAccount(ctx, p, perm, orgID, id, func(a *BillingAccount) error {
		if profile != nil {
			profile.apply(a)
		}
		return u.apply(a)
	})
}
