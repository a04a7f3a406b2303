-- 0007: record when a truck reaches and leaves each stop (needed for detention).
ALTER TABLE stops ADD COLUMN arrived_at timestamptz;
ALTER TABLE stops ADD COLUMN departed_at timestamptz;
