-- An erasure (compliance/erasure) rewrites a customer's events with a mutation; the parts it
-- replaces still hold what was erased until ClickHouse's cleanup thread removes them. Idle, that
-- thread sleeps up to max_cleanup_delay_period (300 s by default), so an erasure waited minutes
-- for it; woken at most every 5 s it removes them seconds after the erasure sets
-- old_parts_lifetime to 0. Its iteration on a table with nothing to remove lists the parts only.
ALTER TABLE {{.DB}}.{{.Local "events"}} {{.OnCluster}} MODIFY SETTING cleanup_delay_period = 1, max_cleanup_delay_period = 5;
