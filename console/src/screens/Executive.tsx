import "../styles/conversation.css";
import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from "react";
import { Alert, Anchor, Card, Group, SegmentedControl, Select, SimpleGrid, Stack, Table, Tabs, Text, Title } from "@mantine/core";
import { Loading } from "../components/Loading";
import { MetricsDocument, type MetricsQuery, type MetricsQueryVariables } from "../gql/graphql";
import { request } from "../api/client";
import { useI18n, type Translate } from "../i18n/i18n";
import type { MessageKey } from "../i18n/en";
import { ConversationDrill, useConversationDrill } from "../components/ConversationDrill";

const TrendChart = lazy(() => import("../components/TrendChart"));
// The ROI tab is its own chunk, fetched when opened: the service charts load without it.
const ExecutiveRoi = lazy(() => import("./ExecutiveRoi"));

const measures = ["conversations", "messages", "csat_avg", "first_response_seconds", "ai_containment"] as const;
type Measure = (typeof measures)[number];
const ranges = [7, 28, 90];

function formatter(m: Measure, fmt: ReturnType<typeof useI18n>["fmt"]): (v: number) => string {
  switch (m) {
    case "csat_avg":
      return (v) => fmt.number(v, { maximumFractionDigits: 2 });
    case "ai_containment":
      return (v) => fmt.number(v, { style: "percent", maximumFractionDigits: 0 });
    case "first_response_seconds":
      return (v) => fmt.duration(v * 1000);
    default:
      return (v) => fmt.number(v, { maximumFractionDigits: 0 });
  }
}

const label = (t: Translate, m: Measure) => t(`m_${m}` as MessageKey);

/**
 * Service KPIs over time by region and channel, every figure from the metrics query; a point
 * of the chart lists the conversations behind it. The ROI tab (ExecutiveRoi) drills the same way.
 */
export default function Executive() {
  const { t, fmt } = useI18n();
  const [days, setDays] = useState(28);
  const [measure, setMeasure] = useState<Measure>("conversations");
  const [totals, setTotals] = useState<MetricsQuery["metrics"] | null>(null);
  const [perDay, setPerDay] = useState<MetricsQuery["metrics"] | null>(null);
  const [perChannel, setPerChannel] = useState<MetricsQuery["metrics"] | null>(null);
  const [tab, setTab] = useState<string | null>("service");
  const [error, setError] = useState<string | null>(null);
  const { drill, open, close } = useConversationDrill(setError);

  // Whole UTC days, the last of them today.
  const range = useMemo(() => {
    const to = new Date();
    to.setUTCHours(24, 0, 0, 0);
    const from = new Date(to.getTime() - days * 86_400_000);
    return { from: from.toISOString(), to: to.toISOString() };
  }, [days]);

  // The chart's measure alone first, then every measure per day, the totals and the channels:
  // the embedded store runs reads one after another, and the chart's measure per day is its
  // cheapest read (most measures add a per-conversation pass), so it no longer waits behind
  // the others.
  const shown = useRef(measure);
  useEffect(() => {
    shown.current = measure;
  }, [measure]);
  useEffect(() => {
    let stale = false;
    const all = [...measures];
    const perDayVars = { dimensions: ["time", "region"], granularity: "day", ...range };
    const fail = (err: unknown) => !stale && setError(err instanceof Error ? err.message : String(err));
    const read = (vars: MetricsQueryVariables, set: (m: MetricsQuery["metrics"]) => void) =>
      request(MetricsDocument, vars)
        .then(({ metrics }) => !stale && set(metrics))
        .catch(fail);
    void read({ measures: [shown.current], ...perDayVars }, setPerDay).then(() => {
      if (stale) return;
      void read({ measures: all, ...range }, setTotals);
      void read({ measures: all, dimensions: ["channel"], ...range }, setPerChannel);
      void read({ measures: all, ...perDayVars }, setPerDay);
    });
    return () => {
      stale = true;
    };
  }, [range]);

  const f = formatter(measure, fmt);
  const chart = useMemo(() => {
    if (!perDay) return null;
    const mi = perDay.measures.indexOf(measure);
    // Another measure picked before every measure's days have come.
    if (mi < 0) return null;
    const dayList = [...new Set(perDay.rows.map((r) => r.dimensions[0] ?? ""))].sort();
    const regions = [...new Set(perDay.rows.map((r) => r.dimensions[1] ?? ""))].sort();
    const series = regions.map((region) => ({
      name: region,
      points: dayList.map((d) => perDay.rows.find((r) => r.dimensions[0] === d && r.dimensions[1] === region)?.values[mi] ?? null),
    }));
    return { days: dayList, series };
  }, [perDay, measure]);

  const pick = useCallback(
    (region: string, day: string) => {
      const from = new Date(`${day}T00:00:00Z`);
      const to = new Date(from.getTime() + 86_400_000);
      void open({ what: `${region} · ${fmt.date(day)}`, filters: [{ dimension: "region", op: "eq", values: [region] }], from: from.toISOString(), to: to.toISOString() });
    },
    [open, fmt],
  );

  // The conversations behind the figure last picked, in the tab it was picked in.
  const drillCard = drill && <ConversationDrill drill={drill} open={open} />;

  return (
    <Stack gap="md">
      <Group justify="space-between" align="end">
        <Title order={2} size="h3">
          {t("execTitle")}
        </Title>
        <SegmentedControl
          aria-label={t("execLastDays", { n: "" }).trim()}
          value={String(days)}
          onChange={(v) => {
            setError(null);
            setDays(Number(v));
          }}
          data={ranges.map((n) => ({ value: String(n), label: t("execLastDays", { n: fmt.number(n) }) }))}
        />
      </Group>
      {error && (
        <Alert color="red" role="alert">
          {t("error", { message: error })}
        </Alert>
      )}
      <Tabs
        value={tab}
        onChange={(v) => {
          setTab(v);
          close();
        }}
        keepMounted={false}
      >
        <Tabs.List>
          <Tabs.Tab value="service">{t("execService")}</Tabs.Tab>
          <Tabs.Tab value="roi">{t("execRoi")}</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="service" pt="md">
          <Stack gap="md">
            {!totals && !error && <Loading />}
            {totals && (
              <SimpleGrid cols={{ base: 2, sm: 3, lg: 5 }}>
                {measures.map((m) => {
                  const v = totals.rows[0]?.values[totals.measures.indexOf(m)];
                  return (
                    <Card withBorder padding="sm" key={m}>
                      <Text size="xs" c="dimmed" fw={700}>
                        {label(t, m)}
                      </Text>
                      <Text size="xl" fw={700} data-testid={`kpi-${m}`}>
                        {v == null ? "–" : formatter(m, fmt)(v)}
                      </Text>
                    </Card>
                  );
                })}
              </SimpleGrid>
            )}
            {perDay && (
              <Card withBorder>
                <Group justify="space-between" mb="xs">
                  <Title order={3} size="h5">
                    {t("execPerDay")}
                  </Title>
                  <Select
                    label={t("execMeasure")}
                    w={200}
                    value={measure}
                    onChange={(v) => v && setMeasure(v as Measure)}
                    data={measures.map((m) => ({ value: m, label: label(t, m) }))}
                    allowDeselect={false}
                  />
                </Group>
                {chart ? (
                  <Suspense fallback={<Loading size="sm" />}>
                    <TrendChart days={chart.days} series={chart.series} label={`${t("execPerDay")}: ${label(t, measure)}`} format={f} onPick={pick} />
                  </Suspense>
                ) : (
                  <Loading size="sm" />
                )}
                <Text size="xs" c="dimmed">
                  {t("drillHint")}
                </Text>
              </Card>
            )}
            {drillCard}
            {perChannel && (
              <Card withBorder>
                <Title order={3} size="h5" mb="xs">
                  {t("execByChannel")}
                </Title>
                <Table striped>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>{t("filterChannel")}</Table.Th>
                      {measures.map((m) => (
                        <Table.Th key={m}>{label(t, m)}</Table.Th>
                      ))}
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {perChannel.rows.map((r) => (
                      <Table.Tr key={r.dimensions[0]}>
                        <Table.Td>{r.dimensions[0]}</Table.Td>
                        {measures.map((m) => {
                          const v = r.values[perChannel.measures.indexOf(m)];
                          const channel = r.dimensions[0] ?? "";
                          if (m === "conversations" && v) {
                            return (
                              <Table.Td key={m}>
                                <Anchor
                                  component="button"
                                  type="button"
                                  aria-label={`${label(t, m)} · ${channel}: ${fmt.number(v)}`}
                                  onClick={() => void open({ what: channel, filters: [{ dimension: "channel", op: "eq", values: [channel] }], ...range })}
                                >
                                  {fmt.number(v)}
                                </Anchor>
                              </Table.Td>
                            );
                          }
                          return <Table.Td key={m}>{v == null ? "–" : formatter(m, fmt)(v)}</Table.Td>;
                        })}
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Card>
            )}
          </Stack>
        </Tabs.Panel>
        <Tabs.Panel value="roi" pt="md">
          <Stack gap="md">
            <Suspense fallback={<Loading />}>
              <ExecutiveRoi range={range} onDrill={open} />
            </Suspense>
            {drillCard}
          </Stack>
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}
