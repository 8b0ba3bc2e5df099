-- The catalog: features, products and their prices, plans, and the links between them. It is small
-- (bounded by billd's CatalogLimits), read whole, and written under catalog_lock. Nothing is
-- deleted but link rows: an object that is no longer sold is inactive.

CREATE TABLE features (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    title      TEXT NOT NULL,
    metadata   TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE products (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    title         TEXT NOT NULL,
    description   TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('active', 'inactive')),
    behavior      TEXT NOT NULL,
    credit_amount BIGINT NOT NULL CHECK (credit_amount >= 0),
    seat_limit    BIGINT NOT NULL CHECK (seat_limit >= 0),
    min_quantity  BIGINT NOT NULL CHECK (min_quantity >= 0),
    max_quantity  BIGINT NOT NULL CHECK (max_quantity >= 0),
    metadata      TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);

-- A price's terms never change once it exists (billd.Price); prices are never deleted.
CREATE TABLE prices (
    id                TEXT PRIMARY KEY,
    product_id        TEXT NOT NULL REFERENCES products (id),
    provider_id       TEXT NOT NULL,
    name              TEXT NOT NULL,
    price_interval    TEXT NOT NULL,
    usage_type        TEXT NOT NULL,
    billing_scheme    TEXT NOT NULL,
    state             TEXT NOT NULL CHECK (state IN ('active', 'inactive')),
    currency          TEXT NOT NULL,
    amount            BIGINT NOT NULL CHECK (amount >= 0),
    metered_aggregate TEXT NOT NULL,
    tier_mode         TEXT NOT NULL,
    metadata          TEXT NOT NULL,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL,
    UNIQUE (product_id, name)
);

CREATE TABLE plans (
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL UNIQUE,
    title            TEXT NOT NULL,
    description      TEXT NOT NULL,
    plan_interval    TEXT NOT NULL,
    on_start_credits BIGINT NOT NULL CHECK (on_start_credits >= 0),
    trial_days       BIGINT NOT NULL CHECK (trial_days >= 0),
    state            TEXT NOT NULL CHECK (state IN ('active', 'inactive')),
    metadata         TEXT NOT NULL,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL
);

-- The links keep the order they were given in (position, from 0).
CREATE TABLE plan_products (
    plan_id    TEXT NOT NULL REFERENCES plans (id),
    product_id TEXT NOT NULL REFERENCES products (id),
    position   INTEGER NOT NULL,
    PRIMARY KEY (plan_id, product_id)
);
CREATE INDEX plan_products_product ON plan_products (product_id);

CREATE TABLE product_features (
    product_id TEXT NOT NULL REFERENCES products (id),
    feature_id TEXT NOT NULL REFERENCES features (id),
    position   INTEGER NOT NULL,
    PRIMARY KEY (product_id, feature_id)
);
CREATE INDEX product_features_feature ON product_features (feature_id);

-- The catalog's write lock: one row, updated first by every catalog write.
CREATE TABLE catalog_lock (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO catalog_lock (id, version) VALUES (1, 0);
