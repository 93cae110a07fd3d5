-- One open LAS link per school location and school year, and one open link per dashboard
-- kind: the gateway checks this first (for a clear message), the index makes it hold when two
-- gateway instances race.
-- The SQLite twin (migrations/sqlite) is the same.
CREATE UNIQUE INDEX koppelingen_one_open_las ON koppelingen (location, schooljaar)
    WHERE status IN ('requested', 'approved', 'active') AND kind IN ('parnassys', 'esis', 'uwlr');
CREATE UNIQUE INDEX koppelingen_one_open_dashboard ON koppelingen (location, schooljaar, kind)
    WHERE status IN ('requested', 'approved', 'active') AND kind IN ('schoolkr8', 'focus-po');
