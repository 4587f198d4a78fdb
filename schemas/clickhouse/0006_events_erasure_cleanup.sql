-- An erasure (compliance/erasure) rewrites a customer's events with a mutation; the parts it
-- replaces still hold what was erased until ClickHouse's cleanup thread removes them. That
-- thread sleeps cleanup_delay_period (30 s) to max_cleanup_delay_period (300 s) between runs,
-- so an erasure waited up to minutes for it; woken every 1 to 5 s it removes them seconds after
-- the erasure sets old_parts_lifetime to 0. A run on a table with nothing to remove only lists
-- its parts. The thread reads these settings when the table is attached: on one node the
-- table is detached and attached again here, at startup, before anything reads or writes it;
-- on a cluster, whose other servers may be writing, the settings apply from each node's next
-- restart.
ALTER TABLE {{.DB}}.{{.Local "events"}} {{.OnCluster}} MODIFY SETTING cleanup_delay_period = 1, max_cleanup_delay_period = 5;
{{if not .Cluster}}
DETACH TABLE {{.DB}}.events;
ATTACH TABLE {{.DB}}.events;
{{end}}
