-- Sinks insert each region's events every half second or so, one part per insert. ClickHouse's
-- default merge selector (base 5) then rewrites every row about three times as those small
-- parts grow, and on the embedded default merges took more CPU than the inserts themselves.
-- Base 20 merges only when a merge combines about twenty times the largest part's size: each
-- row is rewritten about half as often, at the price of more active parts per partition
-- (tens, not hundreds), which FINAL reads in parallel. Measured: server CPU per event
-- 54.6 → 49.2 µs, acknowledged → queryable +10% (BENCHMARKS.md, 2026-11-29).
ALTER TABLE {{.DB}}.{{.Local "events"}} {{.OnCluster}} MODIFY SETTING merge_selector_base = 20;
