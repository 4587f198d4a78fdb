import "../styles/conversation.css";
import "../styles/insights.css";
import { lazy, Suspense, useCallback, useEffect, useMemo, useState, type ReactNode } from "react";
import { Alert, Anchor, Badge, Card, Group, MultiSelect, SegmentedControl, Select, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { Loading } from "../components/Loading";
import { InsightReportsDocument, InsightThemesDocument, MetricsDocument, type InsightReportsQuery, type InsightThemesQuery } from "../gql/graphql";
import { errorMessage, request } from "../api/client";
import { useI18n } from "../i18n/i18n";
import { maySee, useViewer } from "../session";
import { navigate } from "../router";
import { ConversationDrill, useConversationDrill, type Filter } from "../components/ConversationDrill";
import type { MessageKey } from "../i18n/en";
import type { RateSeries } from "../components/InsightCharts";

const RateBars = lazy(() => import("../components/InsightCharts").then((m) => ({ default: m.RateBars })));
const ThemeTrend = lazy(() => import("../components/InsightCharts").then((m) => ({ default: m.ThemeTrend })));

type Theme = InsightThemesQuery["opportunities"][number];
type Reports = InsightReportsQuery;
type Rate = Reports["priceSensitivity"]["markets"][number];

const periods = ["day", "week", "month"] as const;
type Period = (typeof periods)[number];

// Insights count customer messages (message.received); a drill lists their conversations.
const customerMessages: Filter = { dimension: "type", op: "eq", values: ["message.received"] };

const day = (d: Date) => d.toISOString().slice(0, 10);

/** The UTC day after a YYYY-MM-DD (the range's exclusive end), as an RFC 3339 time. */
function dayAfter(d: string): string {
  return new Date(new Date(`${d}T00:00:00Z`).getTime() + 86_400_000).toISOString();
}

/** The start of the period after one starting at p (YYYY-MM-DD, UTC). */
function periodEnd(p: string, period: Period): Date {
  const d = new Date(`${p}T00:00:00Z`);
  if (period === "day") d.setUTCDate(d.getUTCDate() + 1);
  else if (period === "week") d.setUTCDate(d.getUTCDate() + 7);
  else d.setUTCMonth(d.getUTCMonth() + 1);
  return d;
}

/**
 * Product insights: themes the selected customers raise more than others, with their trend
 * and masked examples; competitor mentions and price sensitivity by market and segment. Every
 * figure is the server's (opportunities, competitorMentions, priceSensitivity); a count of
 * messages lists the conversations behind it through the metrics filters, a rate's bar or hits
 * only the conversations whose customer messages mention a competitor or price, a theme's
 * volume or trend point those with one of its phrases (the server's mention filter) — when the
 * field policy lets the key's role read texts (and, for a theme, phrases; me.fields): else
 * those figures are plain text.
 */
export default function Insights() {
  const { t, fmt } = useI18n();
  const viewer = useViewer();
  const mayOpen = viewer.can.includes("read_metrics");
  // Listing conversations by what their messages say reads their texts (the mention filter).
  const mayDrillHits = maySee(viewer, "text");
  const mayDrillThemes = maySee(viewer, "text", "phrase");
  const [from, setFrom] = useState(() => day(new Date(Date.now() - 27 * 86_400_000)));
  const [to, setTo] = useState(() => day(new Date()));
  const [markets, setMarkets] = useState<string[]>([]);
  const [segment, setSegment] = useState<string | null>(null);
  const [language, setLanguage] = useState<string | null>(null);
  const [period, setPeriod] = useState<Period>("week");
  const [themeMarket, setThemeMarket] = useState("");
  const [options, setOptions] = useState<{ markets: string[]; segments: string[]; languages: string[] } | null>(null);
  const [themes, setThemes] = useState<Theme[] | null>(null);
  const [themesError, setThemesError] = useState<string | null>(null);
  const [selected, setSelected] = useState(0);
  const [reports, setReports] = useState<Reports | null>(null);
  const [error, setError] = useState<string | null>(null);
  const { drill, open } = useConversationDrill(setError);

  const range = useMemo(() => (from && to && from <= to ? { from: new Date(`${from}T00:00:00Z`).toISOString(), to: dayAfter(to) } : null), [from, to]);
  const segments = useMemo(() => (segment == null ? [] : [segment]), [segment]);
  // The markets the themes compare: one of the selected, or all of them.
  const target = useMemo(() => (themeMarket && markets.includes(themeMarket) ? [themeMarket] : markets), [themeMarket, markets]);
  // A language matches its regional variants (en: en-GB), as opportunities compares them.
  const languages = useMemo(
    () => (language == null ? [] : (options?.languages ?? []).filter((l) => l === language || l.split("-")[0] === language)),
    [language, options],
  );

  // The filters' choices: the markets, segments and languages of the period's customer messages.
  useEffect(() => {
    if (!range) return;
    let stale = false;
    request(MetricsDocument, { measures: ["inbound_messages"], dimensions: ["country", "tier", "language"], filters: [customerMessages], ...range })
      .then(({ metrics }) => {
        if (stale) return;
        const values = (i: number) => [...new Set(metrics.rows.map((r) => r.dimensions[i] ?? ""))].filter(Boolean).sort();
        setOptions({ markets: values(0), segments: values(1), languages: values(2) });
      })
      .catch((err: unknown) => !stale && setError(errorMessage(err)));
    return () => {
      stale = true;
    };
  }, [range]);

  useEffect(() => {
    if (!range) return;
    let stale = false;
    // The reports' own trends are not shown: the period only buckets the themes.
    request(InsightReportsDocument, { markets, segments, ...range })
      .then((r) => {
        if (stale) return;
        setReports(r);
        setError(null);
      })
      .catch((err: unknown) => !stale && setError(errorMessage(err)));
    return () => {
      stale = true;
    };
  }, [range, markets, segments]);

  // Themes compare a slice with every other customer: all customers are no slice.
  const sliced = target.length > 0 || segments.length > 0 || language != null;
  useEffect(() => {
    if (!range || !sliced) return;
    let stale = false;
    request(InsightThemesDocument, { target: { markets: target, segments, languages: language == null ? [] : [language] }, period, limit: 10, ...range })
      .then(({ opportunities }) => {
        if (stale) return;
        setThemes(opportunities);
        setThemesError(null);
        // The first emerging theme, else the strongest.
        setSelected(Math.max(0, opportunities.findIndex((th) => th.emerging)));
      })
      .catch((err: unknown) => !stale && setThemesError(errorMessage(err)));
    return () => {
      stale = true;
    };
  }, [range, target, segments, language, period, sliced]);

  const pct = useCallback((v: number) => fmt.number(v, { style: "percent", maximumFractionDigits: 1 }), [fmt]);
  const rateText = useCallback((r: Rate) => t("insRateOf", { rate: pct(r.rate), hits: fmt.number(r.hits), docs: fmt.number(r.docs) }), [t, fmt, pct]);

  // The customer messages of a market (and segment), over the range or a part of it; with
  // mentions (competitor, competitor:<id>, price, theme:<phrase>), only those a rate counts as
  // hits or a theme in its volume: the server's mention filter matches them as
  // competitorMentions, priceSensitivity and opportunities do.
  const drillMessages = useCallback(
    (title: string, market: string[], seg: string[], langs: string[], span: { from: string; to: string }, mention?: string[]) => {
      const filters: Filter[] = [customerMessages];
      if (market.length) filters.push({ dimension: "country", op: "in", values: market });
      if (seg.length) filters.push({ dimension: "tier", op: "in", values: seg });
      if (langs.length) filters.push({ dimension: "language", op: "in", values: langs });
      if (mention?.length) filters.push({ dimension: "mention", op: "in", values: mention });
      void open({ what: title, filters, ...span });
    },
    [open],
  );

  // The hits behind a rate: customer messages of a market (and segment) mentioning a
  // competitor (one, by id) or price.
  const drillCompetitor = useCallback(
    (market: string, competitor?: string) => {
      if (!range) return;
      const title = competitor ? t("insDrillCompetitorOne", { what: market, competitor }) : t("insDrillCompetitor", { what: market });
      drillMessages(title, [market], segments, [], range, [competitor ? `competitor:${competitor}` : "competitor"]);
    },
    [range, segments, drillMessages, t],
  );
  const drillPrice = useCallback(
    (market: string, seg: string, what: string) => range && drillMessages(t("insDrillPrice", { what }), [market], [seg], [], range, ["price"]),
    [range, drillMessages, t],
  );

  const segLabel = useCallback((s: string) => s || t("insNoSegment"), [t]);

  const competitorChart = useMemo(() => {
    if (!reports) return null;
    const ms = reports.competitorMentions.markets;
    return { categories: ms.map((m) => m.market), series: [{ name: t("insAnyCompetitor"), points: ms.map((m) => m.rate) }] };
  }, [reports, t]);

  const priceChart = useMemo(() => {
    if (!reports) return null;
    const p = reports.priceSensitivity;
    const ms = p.markets.map((m) => m.key);
    const ss = p.segments.map((s) => s.key);
    const cell = new Map(p.marketSegments.map((r) => [r.key, r]));
    return { categories: ms, segments: ss, series: ss.map((s) => ({ name: segLabel(s), points: ms.map((m) => cell.get(`${m}/${s}`) ?? null) })) };
  }, [reports, segLabel]);

  // A bar is a rate: it lists the conversations behind its hits.
  const pickCompetitor = useCallback(
    (_: number, i: number) => {
      const m = competitorChart?.categories[i];
      if (m) drillCompetitor(m);
    },
    [competitorChart, drillCompetitor],
  );

  const pickPrice = useCallback(
    (si: number, mi: number) => {
      const m = priceChart?.categories[mi];
      const s = priceChart?.segments[si];
      if (m != null && s != null) drillPrice(m, s, `${m} · ${segLabel(s)}`);
    },
    [priceChart, segLabel, drillPrice],
  );

  const theme = themes?.[selected] ?? null;
  // A theme's messages: the target's customer messages with one of its phrases, over the
  // range or one period of its trend.
  const drillTheme = useCallback(
    (th: Theme, span: { from: string; to: string }, when?: string) => {
      const who = target.length ? target.join(", ") : t("insAllMarkets");
      const what = when ? `${who} · ${when}` : who;
      drillMessages(t("insDrillTheme", { what, theme: th.label }), target, segments, languages, span, th.phrases.map((ph) => `theme:${ph}`));
    },
    [target, segments, languages, drillMessages, t],
  );
  const pickPeriod = useCallback(
    (i: number) => {
      const p = theme?.periods[i];
      if (!theme || !p || !range) return;
      const start = new Date(Math.max(new Date(`${p.period}T00:00:00Z`).getTime(), new Date(range.from).getTime()));
      const end = new Date(Math.min(periodEnd(p.period, period).getTime(), new Date(range.to).getTime()));
      drillTheme(theme, { from: start.toISOString(), to: end.toISOString() }, fmt.date(p.period));
    },
    [theme, range, period, drillTheme, fmt],
  );

  // A count that lists the conversations behind it; label is its accessible name. Without
  // may (the field policy hides what the list would be selected by) it is plain text.
  const drillCount = (n: number, label: string, onClick: () => void, text = fmt.number(n), may = true) =>
    n === 0 || !may ? (
      text
    ) : (
      <Anchor component="button" type="button" aria-label={label} onClick={onClick}>
        {text}
      </Anchor>
    );
  const msgCount = (n: number, what: string, onClick: () => void) => drillCount(n, t("insMessagesOf", { what, n: fmt.number(n) }), onClick);

  return (
    <Stack gap="md">
      <Title order={2} size="h3">
        {t("insTitle")}
      </Title>
      <Card withBorder>
        <Group align="end" wrap="wrap">
          <MultiSelect
            label={t("insMarkets")}
            placeholder={markets.length ? undefined : t("insAllMarkets")}
            data={[...new Set([...(options?.markets ?? []), ...markets])]}
            value={markets}
            onChange={setMarkets}
            searchable
            clearable
            w={260}
          />
          <TextInput type="date" label={t("insFrom")} value={from} max={to} onChange={(e) => setFrom(e.currentTarget.value)} w={160} />
          <TextInput type="date" label={t("insTo")} value={to} min={from} onChange={(e) => setTo(e.currentTarget.value)} w={160} />
          <Select
            label={t("insSegment")}
            placeholder={t("any")}
            data={options?.segments ?? []}
            value={segment}
            onChange={setSegment}
            clearable
            w={160}
          />
          <Select
            label={t("insLanguage")}
            placeholder={t("any")}
            data={[...new Set((options?.languages ?? []).map((l) => l.split("-")[0] ?? l))].map((l) => ({ value: l, label: fmt.language(l) }))}
            value={language}
            onChange={setLanguage}
            clearable
            w={180}
          />
          <Select
            label={t("insPeriod")}
            data={periods.map((p) => ({ value: p, label: t(`insPeriod_${p}` as MessageKey) }))}
            value={period}
            onChange={(v) => v && setPeriod(v as Period)}
            allowDeselect={false}
            w={120}
          />
        </Group>
        {!range && (
          <Text size="sm" c="red.9" mt="xs" role="alert">
            {t("insBadRange")}
          </Text>
        )}
        <Text size="xs" c="dimmed" mt="xs">
          {t("insDrillHint")}
        </Text>
        {!mayDrillThemes && (
          <Text size="xs" c="dimmed" mt={4} data-testid="no-text-drill">
            {t(mayDrillHits ? "insNoThemeDrill" : "insNoTextDrill")}
          </Text>
        )}
      </Card>
      {error && (
        <Alert color="red" role="alert">
          {t("error", { message: error })}
        </Alert>
      )}
      {drill && <ConversationDrill drill={drill} open={open} />}

      <Card withBorder>
        <Group justify="space-between" align="end" mb="xs">
          <Title order={3} size="h4">
            {t("insThemes")}
          </Title>
          {markets.length > 1 && (
            <SegmentedControl
              aria-label={t("insThemeMarket")}
              value={target.length === 1 ? (target[0] ?? "") : ""}
              onChange={setThemeMarket}
              data={[{ value: "", label: t("insAllSelected") }, ...markets.map((m) => ({ value: m, label: m }))]}
            />
          )}
        </Group>
        <Text size="sm" c="dimmed" mb="xs">
          {t("insThemesHelp")}
        </Text>
        {themesError && (
          <Alert color="red" role="alert">
            {t("error", { message: themesError })}
          </Alert>
        )}
        {!sliced && <Text>{t("insPickSlice")}</Text>}
        {sliced && !themes && !themesError && <Loading size="sm" />}
        {sliced && themes?.length === 0 && <Text>{t("insNoThemes")}</Text>}
        {sliced && themes && themes.length > 0 && (
          <Table striped highlightOnHover data-testid="themes">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("insColTheme")}</Table.Th>
                <Table.Th>{t("insColPhrases")}</Table.Th>
                <Table.Th>{t("insColVolume")}</Table.Th>
                <Table.Th>{t("insColShare")}</Table.Th>
                <Table.Th>{t("insColGrowth")}</Table.Th>
                <Table.Th>{t("insColMarkets")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {themes.map((th, i) => (
                <Table.Tr key={th.label} aria-selected={i === selected}>
                  <Table.Td>
                    <Anchor component="button" type="button" fw={i === selected ? 700 : undefined} aria-pressed={i === selected} onClick={() => setSelected(i)}>
                      {th.label}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>{th.phrases.slice(0, 4).join(", ")}</Table.Td>
                  <Table.Td data-testid="volume">
                    {drillCount(
                      th.volume,
                      t("insThemeOf", { theme: th.label, n: fmt.number(th.volume) }),
                      () => range && drillTheme(th, range),
                      fmt.number(th.volume),
                      mayDrillThemes,
                    )}
                  </Table.Td>
                  <Table.Td>
                    {pct(th.share)}{" "}
                    <Text span size="xs" c="dimmed">
                      ({pct(th.baselineShare)})
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    {th.emerging ? (
                      <Badge color="orange.9" variant="light">
                        {t("insEmerging", { growth: fmt.number(th.emerging.growth, { style: "percent", maximumFractionDigits: 0, signDisplay: "always" }) })}
                      </Badge>
                    ) : (
                      <Text span size="sm" c="dimmed">
                        {t("insNotEmerging")}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td data-testid="theme-markets">
                    {th.markets
                      .filter((m) => m.hits > 0)
                      .slice(0, 4)
                      .map((m, j) => (
                        <span key={m.key}>
                          {j > 0 && " · "}
                          {drillCount(
                            m.hits,
                            // The name holds what is shown (the rate), then what the list is.
                            `${m.key} ${pct(m.rate)} · ${t("insThemeOf", { theme: `${th.label} · ${m.key}`, n: fmt.number(m.hits) })}`,
                            () => range && drillMessages(t("insDrillTheme", { what: m.key, theme: th.label }), [m.key], [], [], range, th.phrases.map((ph) => `theme:${ph}`)),
                            `${m.key} ${pct(m.rate)}`,
                            mayDrillThemes,
                          )}
                        </span>
                      ))}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
        {sliced && theme && (
          <Stack gap="xs" mt="md">
            <Title order={4} size="h5">
              {t("insTrendTitle", { theme: theme.label })}
            </Title>
            <Suspense fallback={<Loading size="sm" />}>
              <ThemeTrend periods={theme.periods} label={t("insTrendTitle", { theme: theme.label })} onPick={mayDrillThemes ? pickPeriod : undefined} />
            </Suspense>
            <Title order={4} size="h5">
              {t("insExamples")}
            </Title>
            {theme.examples.length === 0 && <Text size="sm">{t("insNoExamples")}</Text>}
            <Stack gap={4} data-testid="examples">
              {theme.examples.map((ex) => (
                <Group key={ex.messageId} gap="xs" wrap="nowrap" align="baseline">
                  <Text size="sm" data-testid="example">
                    “{ex.text}”
                  </Text>
                  {mayOpen && ex.conversationId && (
                    <Anchor
                      size="xs"
                      href={`/conversations/${encodeURIComponent(ex.conversationId)}`}
                      aria-label={t("insOpenConversation", { id: ex.conversationId })}
                      onClick={(e) => {
                        e.preventDefault();
                        navigate(`/conversations/${encodeURIComponent(ex.conversationId)}`);
                      }}
                    >
                      {t("colConversation")}
                    </Anchor>
                  )}
                </Group>
              ))}
            </Stack>
          </Stack>
        )}
      </Card>

      {!reports && !error && <Loading />}
      {reports && competitorChart && (
        <RateReport
          title={t("insCompetitors")}
          overallId="competitor-overall"
          overall={
            <>
              {t("insOverall", { rate: rateText(reports.competitorMentions.rate) })}
              {reports.competitorMentions.competitors.some((c) => c.hits > 0) &&
                ` · ${reports.competitorMentions.competitors
                  .filter((c) => c.hits > 0)
                  .slice(0, 5)
                  .map((c) => `${c.key} ${pct(c.rate)}`)
                  .join(", ")}`}
            </>
          }
          chart={competitorChart}
          chartLabel={t("insCompetitorChart")}
          onPick={mayDrillHits ? pickCompetitor : undefined}
          tableId="competitors"
          columns={["insColMarket", "insColRate", "insColMentions", "insColMessages", "insColTopCompetitors", "insColCoMentions", "insColSentiment"]}
        >
          {reports.competitorMentions.markets.map((m) => (
            <Table.Tr key={m.market} data-market={m.market}>
              <Table.Td>{m.market}</Table.Td>
              <Table.Td data-testid="rate">{pct(m.rate.rate)}</Table.Td>
              <Table.Td data-testid="hits">
                {drillCount(m.rate.hits, t("insMentionsOf", { what: m.market, n: fmt.number(m.rate.hits) }), () => drillCompetitor(m.market), undefined, mayDrillHits)}
              </Table.Td>
              <Table.Td data-testid="docs">
                {msgCount(m.rate.docs, m.market, () => range && drillMessages(t("insDrillWhat", { what: m.market }), [m.market], segments, [], range))}
              </Table.Td>
              <Table.Td data-testid="top">
                {m.competitors.slice(0, 3).map((c, i) => (
                  <span key={c.key}>
                    {i > 0 && ", "}
                    {drillCount(
                      c.hits,
                      // The name holds what is shown (the rate), then what the list is.
                      `${c.key} ${pct(c.rate)} · ${t("insMentionsOfOne", { competitor: c.key, what: m.market, n: fmt.number(c.hits) })}`,
                      () => drillCompetitor(m.market, c.key),
                      `${c.key} ${pct(c.rate)}`,
                      mayDrillHits,
                    )}
                  </span>
                ))}
              </Table.Td>
              <Table.Td>
                {fmt.number(m.coMentions)}{" "}
                <Text span size="xs" c="dimmed">
                  ({pct(m.coMentionRate)})
                </Text>
              </Table.Td>
              <Table.Td>
                {m.mentionSentiment == null ? "–" : fmt.number(m.mentionSentiment, { maximumFractionDigits: 2 })} /{" "}
                {m.sentiment == null ? "–" : fmt.number(m.sentiment, { maximumFractionDigits: 2 })}
              </Table.Td>
            </Table.Tr>
          ))}
        </RateReport>
      )}

      {reports && priceChart && (
        <RateReport
          title={t("insPrice")}
          overallId="price-overall"
          overall={t("insOverall", { rate: rateText(reports.priceSensitivity.rate) })}
          chart={priceChart}
          chartLabel={t("insPriceChart")}
          onPick={mayDrillHits ? pickPrice : undefined}
          tableId="price"
          columns={["insColMarket", "insSegment", "insColRate", "insColMentions", "insColMessages"]}
        >
          {reports.priceSensitivity.marketSegments.map((r) => {
            const [m = "", s = ""] = r.key.split("/");
            const what = `${m} · ${segLabel(s)}`;
            return (
              <Table.Tr key={r.key} data-cell={r.key}>
                <Table.Td>{m}</Table.Td>
                <Table.Td>{segLabel(s)}</Table.Td>
                <Table.Td data-testid="rate">{pct(r.rate)}</Table.Td>
                <Table.Td data-testid="hits">{drillCount(r.hits, t("insPriceOf", { what, n: fmt.number(r.hits) }), () => drillPrice(m, s, what), undefined, mayDrillHits)}</Table.Td>
                <Table.Td data-testid="docs">
                  {msgCount(r.docs, what, () => range && drillMessages(t("insDrillWhat", { what }), [m], [s], [], range))}
                </Table.Td>
              </Table.Tr>
            );
          })}
        </RateReport>
      )}
    </Stack>
  );
}

/**
 * A rate report's card: its overall rate, then its bars and a table of its rows (children)
 * under the given column headings — or, with no category, that there is no message.
 */
function RateReport({ title, overall, overallId, chart, chartLabel, onPick, tableId, columns, children }: {
  title: string;
  overall: ReactNode;
  overallId: string;
  chart: { categories: string[]; series: RateSeries[] };
  chartLabel: string;
  onPick?: (series: number, category: number) => void;
  tableId: string;
  columns: MessageKey[];
  children: ReactNode;
}) {
  const { t } = useI18n();
  return (
    <Card withBorder>
      <Title order={3} size="h4" mb="xs">
        {title}
      </Title>
      <Text size="sm" mb="xs" data-testid={overallId}>
        {overall}
      </Text>
      {chart.categories.length === 0 ? (
        <Text>{t("insNoData")}</Text>
      ) : (
        <>
          <Suspense fallback={<Loading size="sm" />}>
            <RateBars categories={chart.categories} series={chart.series} label={chartLabel} onPick={onPick} />
          </Suspense>
          <Table striped data-testid={tableId}>
            <Table.Thead>
              <Table.Tr>
                {columns.map((c) => (
                  <Table.Th key={c}>{t(c)}</Table.Th>
                ))}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>{children}</Table.Tbody>
          </Table>
        </>
      )}
    </Card>
  );
}
