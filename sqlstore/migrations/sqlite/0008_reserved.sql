-- Reserved: migration 0008 belongs to the recharge work (another branch). This empty step keeps the
-- numbers contiguous on the webhooks branch; delete this file when that branch's 0008 is merged.
SELECT 1;
