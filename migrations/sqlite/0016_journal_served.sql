-- The exchange journal's served side and its replays (store::journal, docs/journal.md).
-- direction: 'sent' for an exchange the gateway made as a client (every row before this),
-- 'served' for one a UWLR server with the journal's hook answered. A served exchange
-- belongs to no link: its koppeling_id is 0 (the column stays NOT NULL; ids start at 1),
-- its location the one the request named ('' when it could not be read).
-- replay_of: the exchange whose stored request `uwlr exchange replay --send` sent again.
ALTER TABLE exchanges ADD COLUMN direction TEXT NOT NULL DEFAULT 'sent';
ALTER TABLE exchanges ADD COLUMN replay_of BIGINT;
