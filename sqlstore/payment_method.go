package sqlstore

import (
	"context"

	"github.com/billd/billd"
)

const paymentMethodColumns = `id, account_id, provider, provider_id, type, card_brand, card_last4, expiry_month,
	expiry_year, is_default, metadata, created_at`

func scanPaymentMethod(s scanner) (*billd.PaymentMethod, error) {
	var m billd.PaymentMethod
	var meta string
	if err := s.Scan(&m.ID, &m.AccountID, &m.Provider, &m.ProviderID, &m.Type, &m.CardBrand, &m.CardLast4,
		&m.ExpiryMonth, &m.ExpiryYear, &m.Default, &meta, &m.CreatedAt); err != nil {
		return nil, err
	}
	m.CreatedAt = m.CreatedAt.UTC()
	var err error
	m.Metadata, err = billd.ParseMetadata(meta)
	return &m, err
}

// PutPaymentMethod implements billd.PaymentTx. A method is known by its provider and provider id:
// when one is stored, every field of m but ID and CreatedAt replaces it (the account included,
// should the provider move the method), and m.ID and m.CreatedAt are set to the stored ones. When
// m.Default, the account's other methods lose the mark first: an account has at most one default
// method, which the database enforces. On PostgreSQL both statements share one round trip.
func (t *tx) PutPaymentMethod(ctx context.Context, m *billd.PaymentMethod) error {
	if m.Default {
		if err := t.exec(ctx, `UPDATE payment_methods SET is_default = FALSE
			WHERE account_id = $1 AND is_default AND NOT (provider = $2 AND provider_id = $3)`,
			m.AccountID, m.Provider, m.ProviderID); err != nil {
			return err
		}
	}
	row, err := queryOne(ctx, t, "payment method", func(s scanner) (*billd.PaymentMethod, error) {
		var got billd.PaymentMethod
		err := s.Scan(&got.ID, &got.CreatedAt)
		return &got, err
	}, `INSERT INTO payment_methods (`+paymentMethodColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		ON CONFLICT (provider, provider_id) DO UPDATE SET account_id = excluded.account_id, type = excluded.type,
			card_brand = excluded.card_brand, card_last4 = excluded.card_last4,
			expiry_month = excluded.expiry_month, expiry_year = excluded.expiry_year,
			is_default = excluded.is_default, metadata = excluded.metadata
		RETURNING id, created_at`,
		m.ID, m.AccountID, m.Provider, m.ProviderID, m.Type, m.CardBrand, m.CardLast4, m.ExpiryMonth, m.ExpiryYear,
		m.Default, m.Metadata.Marshal(), m.CreatedAt)
	if err != nil {
		return err
	}
	m.ID, m.CreatedAt = row.ID, row.CreatedAt.UTC()
	return nil
}

// PaymentMethods implements billd.PaymentTx: oldest first, at most billd.MaxPageSize (an
// account's methods are few: those saved at its provider).
func (t *tx) PaymentMethods(ctx context.Context, accountID string) ([]*billd.PaymentMethod, error) {
	return queryAll(ctx, t, scanPaymentMethod, `SELECT `+paymentMethodColumns+` FROM payment_methods
		WHERE account_id = $1 ORDER BY created_at, id LIMIT $2`, accountID, billd.MaxPageSize)
}

// DeletePaymentMethod implements billd.PaymentTx.
func (t *tx) DeletePaymentMethod(ctx context.Context, id string) error {
	return t.exec(ctx, `DELETE FROM payment_methods WHERE id = $1`, id)
}
