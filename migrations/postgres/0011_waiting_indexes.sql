-- The metrics gauges count what waits at every scrape (store::waiting). Sent deliveries and
-- applied proposals pile up for ever; these partial indexes hold only the rows that wait,
-- so the counts cost what waits, not what was ever sent.
CREATE INDEX deliveries_pending ON deliveries (status) WHERE status = 'pending';
CREATE INDEX deliveries_failed ON deliveries (status) WHERE status = 'failed';
CREATE INDEX proposals_open ON proposals (status) WHERE status = 'open';
