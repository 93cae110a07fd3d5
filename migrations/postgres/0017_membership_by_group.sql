-- A school's memberships are read through its groups (store::records::snapshot: the
-- memberships of a location's groups of a year). The tables were keyed on the member
-- first, so that join scanned every membership of every school and looked its group up:
-- per snapshot, linear in the whole country (at 6,000 schools it made the delta fetches
-- four times slower than the first ones). By group, it reads the school's own.
CREATE INDEX leerling_groepen_groep ON leerling_groepen (groep_id);
CREATE INDEX leerkracht_groepen_groep ON leerkracht_groepen (groep_id);
