import "../styles/inbox.css";
import { memo, useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent } from "react";
import { Alert, Badge, Box, Button, Group, SegmentedControl, Select, Stack, Text, Title } from "@mantine/core";
import { useVirtualizer } from "@tanstack/react-virtual";
import { InboxChangedDocument, InboxDocument, InboxMessagesDocument, MetricsDocument, type InboxMessagesSubscription, type ConversationStatus, type InboxFilters, type InboxRowFragment, type SlaState } from "../gql/graphql";
import { onConnection, onReconnected, request, subscribe } from "../api/client";
import { useI18n } from "../i18n/i18n";
import { useViewer, type Viewer } from "../session";
import { navigate } from "../router";
import { ChannelIcon } from "../components/ChannelIcon";
import { useCatalogue } from "../api/catalogue";
import { SlaTimer } from "../components/SlaTimer";
import { PriorityBadge } from "../components/PriorityBadge";

type Scope = "mine" | "team" | "unassigned" | "all";

const slaStates: SlaState[] = ["OK", "WARNING", "BREACHED"];
const statuses: ConversationStatus[] = ["QUEUED", "ASSIGNED", "BOT", "PENDING", "SNOOZED", "RESOLVED"];
const languages = ["en", "de", "fr", "es", "pt", "it", "nl", "pl", "tr", "ar", "ja", "zh", "ko", "th", "vi", "id", "ms", "hi"];
const pageSize = 100;
// How close to the last loaded row the next page is read.
const prefetchRows = 30;
const rowHeight = 76;

// An agent's key opens on their team's conversations (their own when they have no team);
// any other role's on everything it may read.
function defaultScope(v: Viewer): Scope {
  if (v.agent?.team) return "team";
  if (v.agent) return "mine";
  return "all";
}

// Filters may come in the URL's query, as a chart's drill-down links to the conversations
// behind a number (/inbox?region=eu&language=de&status=QUEUED); never the key.
function fromURL(name: string): string | null {
  return new URLSearchParams(location.search).get(name);
}

export default function Inbox() {
  const viewer = useViewer();
  const { t, fmt } = useI18n();
  const [scope, setScope] = useState<Scope>(() => (fromURL("scope") as Scope | null) ?? defaultScope(viewer));
  const [status, setStatus] = useState<string | null>(() => fromURL("status"));
  const [channel, setChannel] = useState<string | null>(() => fromURL("channel"));
  const [language, setLanguage] = useState<string | null>(() => fromURL("language"));
  const [region, setRegion] = useState<string | null>(() => fromURL("region"));
  const [sla, setSla] = useState<SlaState | null>(() => fromURL("sla") as SlaState | null);
  const [tier, setTier] = useState<string | null>(() => fromURL("tier"));
  // The tiers customers have, as the metrics know them (the CRM's, through the analysis).
  const [tiers, setTiers] = useState<string[]>([]);
  useEffect(() => {
    let live = true;
    request(MetricsDocument, { measures: ["messages"], dimensions: ["tier"] })
      .then(({ metrics }) => live && setTiers(metrics.rows.map((r) => r.dimensions[0] ?? "").filter((v) => v !== "")))
      .catch(() => live && setTiers([]));
    return () => {
      live = false;
    };
  }, []);
  const [rows, setRows] = useState<InboxRowFragment[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [live, setLive] = useState(false);
  const [active, setActive] = useState(0);
  // The server's channels, those it has on first (a stable sort keeps its order otherwise).
  const catalogue = useCatalogue(setError);
  const channels = useMemo(() => [...(catalogue?.channels ?? [])].sort((a, b) => Number(b.configured) - Number(a.configured)).map((c) => c.name), [catalogue]);
  // The latest message of each conversation, as messageAdded pushes them: a message can
  // arrive before or after its conversation enters the inbox.
  const [latest, setLatest] = useState<ReadonlyMap<string, LiveMessage>>(new Map());

  useEffect(
    () =>
      subscribe(InboxMessagesDocument, {}, ({ messageAdded: m }) =>
        setLatest((old) => {
          const next = new Map(old);
          next.set(m.conversationId, m);
          // Bounded: only the newest thousand are kept.
          if (next.size > 1000) next.delete(next.keys().next().value as string);
          return next;
        }),
      ),
    [],
  );

  const filters = useMemo<InboxFilters>(() => {
    const f: InboxFilters = {};
    if (scope === "mine") f.mine = true;
    if (scope === "team" && viewer.agent?.team) f.team = viewer.agent.team;
    if (scope === "unassigned") f.unassigned = true;
    if (status) f.status = [status as ConversationStatus];
    if (channel) f.channel = [channel];
    if (language) f.language = [language];
    if (region) f.region = region;
    if (sla) f.sla = [sla];
    if (tier) f.tier = [tier];
    return f;
  }, [scope, status, channel, language, region, sla, tier, viewer.agent]);

  // Only the latest read may set the rows: a slower answer to older filters is dropped.
  const reads = useRef(0);
  const load = useCallback(
    async (after: string | null) => {
      const seq = ++reads.current;
      setLoading(true);
      try {
        const { inbox } = await request(InboxDocument, { filters, first: pageSize, after });
        if (seq !== reads.current) return;
        const page = inbox.edges.map((e) => e.node);
        setRows((old) => {
          if (!after) return page;
          const seen = new Set(old.map((o) => o.id));
          return [...old, ...page.filter((p) => !seen.has(p.id))];
        });
        setNext(inbox.pageInfo.hasNextPage ? (inbox.pageInfo.endCursor ?? null) : null);
        setError(null);
      } catch (err) {
        if (seq === reads.current) setError(err instanceof Error ? err.message : String(err));
      } finally {
        if (seq === reads.current) setLoading(false);
      }
    },
    [filters],
  );

  // The first page, and the live changes of the same inbox: entered, changed, left.
  useEffect(() => {
    void load(null);
    setLive(false);
    const stop = subscribe(
      InboxChangedDocument,
      { filters },
      ({ inboxChanged: ev }) => {
        setRows((old) => {
          const rest = old.filter((r) => r.id !== ev.conversation.id);
          if (ev.change === "LEFT") return rest;
          const i = old.findIndex((r) => r.id === ev.conversation.id);
          if (i < 0) return [ev.conversation, ...rest];
          const copy = old.slice();
          copy[i] = ev.conversation;
          return copy;
        });
      },
      (err) => {
        setLive(false);
        setError(err instanceof Error ? err.message : String(err));
      },
      () => {
        setLive(true);
        void load(null);
      },
    );
    // After a dropped socket, read the inbox again: events in between were missed.
    const off = onReconnected(() => void load(null));
    const offConn = onConnection(setLive);
    return () => {
      stop();
      off();
      offConn();
    };
  }, [filters, load]);

  const scroller = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({ count: rows.length, getScrollElement: () => scroller.current, estimateSize: () => rowHeight, overscan: 8 });

  // Scrolling near the end reads the next page, as mail clients do; the button stays for keyboards.
  const lastShown = virtual.getVirtualItems().at(-1)?.index ?? -1;
  useEffect(() => {
    if (next && !loading && lastShown >= rows.length - prefetchRows) void load(next);
  }, [lastShown, next, loading, rows.length, load]);

  function onKey(e: KeyboardEvent) {
    if (e.key === "ArrowDown" || e.key === "j") {
      e.preventDefault();
      const n = Math.min(rows.length - 1, active + 1);
      setActive(n);
      virtual.scrollToIndex(n);
    } else if (e.key === "ArrowUp" || e.key === "k") {
      e.preventDefault();
      const n = Math.max(0, active - 1);
      setActive(n);
      virtual.scrollToIndex(n);
    } else if (e.key === "Enter") {
      const r = rows[active];
      if (r) navigate(`/conversations/${encodeURIComponent(r.id)}`);
    }
  }

  const scopes = [
    ...(viewer.agent ? [{ value: "mine", label: t("filterMine") }] : []),
    ...(viewer.agent?.team ? [{ value: "team", label: t("filterTeam") }] : []),
    { value: "unassigned", label: t("filterUnassigned") },
    { value: "all", label: t("filterAll") },
  ];
  const any = { value: "", label: t("any") };

  return (
    <Stack h="calc(100vh - 56px - 2 * var(--mantine-spacing-md))" gap="sm">
      <Group justify="space-between">
        <Group gap="sm">
          <Title order={2} size="h3">
            {t("inboxTitle")}
          </Title>
          <Badge color={live ? "green" : "gray"} variant="dot" data-testid="live">
            {live ? t("live") : t("reconnecting")}
          </Badge>
        </Group>
        <Text size="sm" c="dimmed" aria-live="polite" data-testid="inbox-count" data-count={rows.length}>
          {t("conversationsCount", { count: fmt.number(rows.length) })}
        </Text>
      </Group>
      <Group gap="sm" align="end" role="search">
        <SegmentedControl aria-label={t("filterScope")} value={scope} onChange={(v) => setScope(v as Scope)} data={scopes} />
        <Select
          label={t("filterStatus")}
          w={150}
          value={status ?? ""}
          onChange={(v) => setStatus(v || null)}
          data={[any, ...statuses.map((s) => ({ value: s, label: t(`status_${s}`) }))]}
          allowDeselect={false}
        />
        <Select
          label={t("filterChannel")}
          w={150}
          value={channel ?? ""}
          onChange={(v) => setChannel(v || null)}
          data={[any, ...(channel && !channels.includes(channel) ? [channel] : []), ...channels].map((c) => (typeof c === "string" ? { value: c, label: c } : c))}
          allowDeselect={false}
        />
        <Select
          label={t("filterLanguage")}
          w={170}
          searchable
          value={language ?? ""}
          onChange={(v) => setLanguage(v || null)}
          data={[any, ...(language && !languages.includes(language) ? [language] : []), ...languages].map((l) => (typeof l === "string" ? { value: l, label: fmt.language(l) } : l))}
          allowDeselect={false}
        />
        <Select
          label={t("filterSla")}
          w={150}
          value={sla ?? ""}
          onChange={(v) => setSla((v || null) as SlaState | null)}
          data={[any, ...slaStates.map((s) => ({ value: s, label: t(`sla_${s}`) }))]}
          allowDeselect={false}
        />
        <Select
          label={t("filterTier")}
          w={140}
          searchable
          value={tier ?? ""}
          onChange={(v) => setTier(v || null)}
          data={[any, ...[...new Set([...(tier ? [tier] : []), ...tiers])].map((v) => ({ value: v, label: v }))]}
          allowDeselect={false}
        />
        {viewer.regions.length !== 1 && (
          <Select
            label={t("filterRegion")}
            w={130}
            value={region ?? ""}
            onChange={(v) => setRegion(v || null)}
            data={[any, ...viewer.regions.map((r) => ({ value: r, label: r }))]}
            allowDeselect={false}
            disabled={viewer.regions.length === 0}
          />
        )}
      </Group>
      {error && (
        <Alert color="red" role="alert">
          {t("error", { message: error })}
        </Alert>
      )}
      <Box
        ref={scroller}
        flex={1}
        style={{ overflow: "auto", border: "1px solid var(--mantine-color-gray-3)", borderRadius: 4 }}
        role="listbox"
        aria-label={t("inboxTitle")}
        aria-activedescendant={rows[active] ? `row-${rows[active].id}` : undefined}
        aria-busy={loading}
        tabIndex={0}
        onKeyDown={onKey}
      >
        {rows.length === 0 && !loading && (
          <Text p="md" c="dimmed">
            {t("emptyInbox")}
          </Text>
        )}
        <div style={{ height: virtual.getTotalSize(), position: "relative" }}>
          {virtual.getVirtualItems().map((v) => {
            const r = rows[v.index];
            if (!r) return null;
            return (
              <Row
                key={r.id}
                row={r}
                latest={latest.get(r.id)}
                selected={v.index === active}
                top={v.start}
              />
            );
          })}
        </div>
      </Box>
      {next && (
        <Button variant="default" loading={loading} onClick={() => void load(next)}>
          {t("loadMore")}
        </Button>
      )}
    </Stack>
  );
}

type LiveMessage = InboxMessagesSubscription["messageAdded"];

// A row re-renders only when its conversation, its live message, its selection or its place
// changes: scrolling and a new page leave the other rows alone.
const Row = memo(function Row({ row, latest, selected, top }: { row: InboxRowFragment; latest?: LiveMessage; selected: boolean; top: number }) {
  const { t, fmt, dir } = useI18n();
  const read = row.lastMessage;
  const last = latest && (!read || Date.parse(latest.occurredAt) >= Date.parse(read.occurredAt)) ? latest : read;
  return (
    <div
      id={`row-${row.id}`}
      role="option"
      aria-selected={selected}
      className="inbox-row"
      data-conversation={row.id}
      style={{
        position: "absolute",
        top: 0,
        insetInlineStart: 0,
        width: "100%",
        height: rowHeight,
        transform: `translateY(${top}px)`,
        cursor: "pointer",
        borderBottom: "1px solid var(--mantine-color-gray-2)",
        background: selected ? "var(--mantine-color-indigo-0)" : undefined,
        padding: "8px 12px",
        boxSizing: "border-box",
      }}
      onClick={() => navigate(`/conversations/${encodeURIComponent(row.id)}`)}
    >
      <Group wrap="nowrap" gap="sm" h="100%">
        <ChannelIcon channel={row.channel} />
        <Stack gap={2} flex={1} miw={0}>
          <Group gap="xs" wrap="nowrap">
            <Text size="sm" fw={600} truncate>
              {row.customerId || t("customer")}
            </Text>
            <Badge size="xs" variant="outline" title={fmt.language(row.language)}>
              {row.language}
            </Badge>
            <Text size="xs" c="dimmed">
              {row.region}
            </Text>
            {row.tier && (
              <Badge size="xs" variant="light" color="grape" data-testid="row-tier">
                {row.tier}
              </Badge>
            )}
            <Text size="xs" c="dimmed">
              {t(`status_${row.status}`)}
            </Text>
          </Group>
          <Text
            size="sm"
            truncate
            dir={last ? "auto" : undefined}
            // The text keeps its own direction, the column its alignment.
            style={{ textAlign: dir === "rtl" ? "right" : "left" }}
            c={last ? undefined : "dimmed"}
            data-testid="last-message"
          >
            {last ? last.text : t("noMessages")}
          </Text>
        </Stack>
        <Stack gap={4} align="end">
          <Group gap={4} wrap="nowrap">
            <PriorityBadge priority={row.priority} />
            <SlaTimer sla={row.sla} status={row.status} />
          </Group>
          <Text size="xs" c="dimmed">
            {row.assignee ? row.assignee.name : t("unassigned")} · {fmt.time(row.lastActivityAt)}
          </Text>
        </Stack>
      </Group>
    </div>
  );
});
