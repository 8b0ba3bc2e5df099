-- Settled deliveries by age, for the job that prunes webhook history past its retention.
CREATE INDEX webhook_deliveries_settled ON webhook_deliveries (updated_at, id) WHERE state <> 'pending';
