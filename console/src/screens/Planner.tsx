import "../styles/conversation.css";
import "../styles/planner.css";
import { lazy, Suspense, useCallback, useEffect, useMemo, useState } from "react";
import { Alert, Button, Card, Group, NumberInput, SegmentedControl, Select, SimpleGrid, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { Loading } from "../components/Loading";
import {
  CreatePlanningEventDocument,
  PlannerEventsDocument,
  PlannerFollowTheSunDocument,
  PlannerForecastDocument,
  PlannerMarketsDocument,
  PlannerSeriesDocument,
  PlannerStaffingDocument,
  type PlanEventFragment,
  type PlanScoreFragment,
  type PlannerFollowTheSunQuery,
  type PlannerForecastQuery,
  type PlannerStaffingQuery,
} from "../gql/graphql";
import { errorMessage, request } from "../api/client";
import { useI18n } from "../i18n/i18n";
import { useViewer } from "../session";
import { ConversationDrill, useConversationDrill, type Filter } from "../components/ConversationDrill";

const ForecastChart = lazy(() => import("../components/ForecastChart"));
const StaffingHeatmap = lazy(() => import("../components/StaffingHeatmap"));

type Forecast = NonNullable<PlannerForecastQuery["forecast"]>;
type Staffing = PlannerStaffingQuery["staffing"];
type Sun = PlannerFollowTheSunQuery["followTheSun"];

const kinds = ["release", "campaign", "outage", "holiday"] as const;
const all = "*";
const historyWeeks = 12;


/** An RFC 3339 instant as a datetime-local control's value (the browser's clock). */
function localInput(iso: string): string {
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** A datetime-local value as RFC 3339; the text as typed when it is no date (the server names it). */
function instant(local: string): string {
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? local : d.toISOString();
}

/** Workforce planning, every figure from the planning fields of the GraphQL API. */
export default function Planner() {
  const { t } = useI18n();
  const viewer = useViewer();
  const regions = viewer.regions;
  const [error, setError] = useState<string | null>(null);
  const [eventsVersion, setEventsVersion] = useState(0);
  return (
    <Stack gap="md">
      <Title order={2} size="h3">
        {t("plTitle")}
      </Title>
      {error && (
        <Alert color="red" role="alert" withCloseButton onClose={() => setError(null)} closeButtonLabel={t("plDismiss")}>
          {t("error", { message: error })}
        </Alert>
      )}
      <ForecastSection regions={regions} onError={setError} eventsVersion={eventsVersion} />
      <EventsSection regions={regions} onCreated={() => setEventsVersion((v) => v + 1)} version={eventsVersion} onError={setError} />
      <StaffingSection regions={regions} />
      <SunSection regions={regions} />
    </Stack>
  );
}

function ForecastSection({ regions, onError, eventsVersion }: { regions: string[]; onError: (m: string) => void; eventsVersion: number }) {
  const { t, fmt } = useI18n();
  const [region, setRegion] = useState(regions[0] ?? "");
  const [language, setLanguage] = useState(all);
  const [channel, setChannel] = useState(all);
  const [queue, setQueue] = useState("");
  const [horizon, setHorizon] = useState<number | string>(168);
  const [interval, setInterval] = useState("1h");
  const [options, setOptions] = useState<{ languages: string[]; channels: string[] }>({ languages: [], channels: [] });
  // Each answer keeps the inputs it is for: a newer request hides an older answer's what-if.
  const [answer, setAnswer] = useState<{ key: string; forecast: Forecast | null | undefined } | null>(null);
  const [moveId, setMoveId] = useState<string | null>(null);
  const [moveTo, setMoveTo] = useState("");
  const [whatIfAnswer, setWhatIf] = useState<{ key: string; forecast: Forecast | null } | null>(null);
  const [whatIfError, setWhatIfError] = useState<string | null>(null);
  const [drillAt, setDrillAt] = useState("");
  const { drill, open } = useConversationDrill(onError);

  // The series the region has had in the forecast's history window, busiest first.
  useEffect(() => {
    if (!region) return;
    let stale = false;
    const from = new Date(Date.now() - historyWeeks * 7 * 86_400_000).toISOString();
    request(PlannerSeriesDocument, { region, from })
      .then(({ metrics }) => {
        if (stale) return;
        const languages = [...new Set(metrics.rows.map((r) => r.dimensions[0] ?? "").filter(Boolean))];
        const channels = [...new Set(metrics.rows.map((r) => r.dimensions[1] ?? "").filter(Boolean))];
        setOptions({ languages, channels });
      })
      .catch((err: unknown) => !stale && onError(errorMessage(err)));
    return () => {
      stale = true;
    };
  }, [region, onError]);

  const series = useMemo(
    () => ({ region, language: language === all ? null : language, channel: channel === all ? null : channel, queue: queue.trim() || null }),
    [region, language, channel, queue],
  );
  const steps = Number(horizon) || 0;
  const key = JSON.stringify([series, steps, interval, eventsVersion]);
  const busy = answer?.key !== key;
  const forecast = answer?.forecast;
  const whatIf = whatIfAnswer?.key === key ? whatIfAnswer.forecast : null;

  useEffect(() => {
    if (!region || steps <= 0) return;
    let stale = false;
    request(PlannerForecastDocument, { series, horizon: steps, interval })
      .then(({ forecast }) => !stale && setAnswer({ key, forecast }))
      .catch((err: unknown) => {
        if (stale) return;
        setAnswer({ key, forecast: undefined });
        onError(errorMessage(err));
      });
    return () => {
      stale = true;
    };
  }, [key, series, steps, interval, region, onError]);

  const runWhatIf = async () => {
    if (!moveId) return;
    setWhatIfError(null);
    try {
      const { forecast: f } = await request(PlannerForecastDocument, { series, horizon: steps, interval, move: [{ id: moveId, startsAt: instant(moveTo) }] });
      setWhatIf({ key, forecast: f });
    } catch (err) {
      setWhatIf(null);
      setWhatIfError(errorMessage(err));
    }
  };

  const stepMs = interval === "30m" ? 1_800_000 : 3_600_000;
  const pick = useCallback(
    (at: string) => {
      const from = new Date(at);
      const to = new Date(from.getTime() + stepMs);
      const filters: Filter[] = [{ dimension: "region", op: "eq", values: [region] }];
      if (series.language) filters.push({ dimension: "language", op: "eq", values: [series.language] });
      if (series.channel) filters.push({ dimension: "channel", op: "eq", values: [series.channel] });
      if (series.queue) filters.push({ dimension: "queue", op: "eq", values: [series.queue] });
      void open({ what: t("plDrillWhat", { series: forecast?.series ?? region, at: fmt.dateTime(from) }), filters, from: from.toISOString(), to: to.toISOString() });
    },
    [open, region, series, stepMs, t, fmt, forecast],
  );

  const labels = useMemo(() => ({ history: t("plHistory"), forecast: t("plForecast"), band: t("plBand"), whatIf: t("plWhatIfCurve") }), [t]);
  const marked = useMemo(() => {
    if (!forecast) return [];
    const moved = whatIf?.events.find((e) => e.id === moveId);
    return [...forecast.events, ...(moved ? [{ ...moved, name: t("plMovedEvent", { name: moved.name }) }] : [])];
  }, [forecast, whatIf, moveId, t]);

  const score = (s: PlanScoreFragment, kind: string) => (
    <Table.Tr key={s.model} data-testid={`score-${s.model}`}>
      <Table.Td>{s.model}</Table.Td>
      <Table.Td>{kind}</Table.Td>
      <Table.Td>{s.mae == null ? "–" : fmt.number(s.mae, { maximumFractionDigits: 2 })}</Table.Td>
      <Table.Td>{s.mase == null ? "–" : fmt.number(s.mase, { maximumFractionDigits: 2 })}</Table.Td>
      <Table.Td>{s.smape == null ? "–" : fmt.number(s.smape / 100, { style: "percent", maximumFractionDigits: 1 })}</Table.Td>
      <Table.Td>{s.coverage == null ? "–" : fmt.number(s.coverage, { style: "percent", maximumFractionDigits: 0 })}</Table.Td>
    </Table.Tr>
  );

  return (
    <>
      <Card withBorder>
        <Title order={3} size="h5" mb="xs">
          {t("plForecastTitle")}
        </Title>
        <Group align="end" wrap="wrap" mb="sm">
          <Select label={t("filterRegion")} w={120} value={region} onChange={(v) => v && setRegion(v)} data={regions} allowDeselect={false} />
          <Select
            label={t("filterLanguage")}
            w={170}
            value={language}
            onChange={(v) => v && setLanguage(v)}
            data={[{ value: all, label: t("plAll") }, ...options.languages.map((l) => ({ value: l, label: fmt.language(l) }))]}
            allowDeselect={false}
          />
          <Select
            label={t("filterChannel")}
            w={150}
            value={channel}
            onChange={(v) => v && setChannel(v)}
            data={[{ value: all, label: t("plAll") }, ...options.channels]}
            allowDeselect={false}
          />
          <TextInput label={t("plQueue")} w={130} value={queue} placeholder={t("plAll")} onChange={(e) => setQueue(e.currentTarget.value)} />
          <NumberInput label={t("plHorizon")} w={130} min={1} max={interval === "30m" ? 2976 : 1488} value={horizon} onChange={setHorizon} />
          <SegmentedControl
            aria-label={t("plInterval")}
            value={interval}
            onChange={setInterval}
            data={[
              { value: "1h", label: t("plHourly") },
              { value: "30m", label: t("plHalfHourly") },
            ]}
          />
          {busy && <Loading size="sm" />}
        </Group>
        {forecast === null && <Text data-testid="no-history">{t("plNoHistory")}</Text>}
        {forecast && (
          <>
            <Text size="sm" data-testid="forecast-summary">
              {t("plSummary", {
                series: forecast.series,
                market: forecast.market || "–",
                model: forecast.model,
                contacts: fmt.number(forecast.contacts),
                from: fmt.dateTime(forecast.historyFrom),
                to: fmt.dateTime(forecast.historyTo),
                level: fmt.number(forecast.level, { style: "percent" }),
              })}
            </Text>
            <Suspense fallback={<Loading size="sm" />}>
              <ForecastChart
                history={forecast.history}
                points={forecast.points}
                whatIf={whatIf?.points ?? null}
                events={marked}
                labels={labels}
                stepMs={stepMs}
                onPick={pick}
                label={t("plChartLabel", { series: forecast.series, model: forecast.model, n: fmt.number(forecast.points.length), events: fmt.number(forecast.events.length) })}
              />
            </Suspense>
            <Group align="end" gap="xs">
              <Text size="xs" c="dimmed">
                {t("plDrillHint")}
              </Text>
              <TextInput type="datetime-local" size="xs" label={t("plDrillAt")} value={drillAt} onChange={(e) => setDrillAt(e.currentTarget.value)} />
              <Button size="xs" variant="default" disabled={!drillAt} onClick={() => pick(new Date(Math.floor(new Date(drillAt).getTime() / stepMs) * stepMs).toISOString())}>
                {t("plDrillList")}
              </Button>
            </Group>
          </>
        )}
      </Card>
      {drill && <ConversationDrill drill={drill} open={open} />}
      {forecast && (
        <SimpleGrid cols={{ base: 1, lg: 2 }}>
          <Card withBorder>
            <Title order={3} size="h5" mb="xs">
              {t("plAccuracy")}
            </Title>
            <Table striped data-testid="accuracy">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t("plModel")}</Table.Th>
                  <Table.Th>{t("plRole")}</Table.Th>
                  <Table.Th>MAE</Table.Th>
                  <Table.Th>MASE</Table.Th>
                  <Table.Th>sMAPE</Table.Th>
                  <Table.Th>{t("plCoverage")}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {forecast.accuracy && score(forecast.accuracy, t("plSelected"))}
                {forecast.baselines.map((b) => score(b, t("plBaseline")))}
              </Table.Tbody>
            </Table>
            <Text size="xs" c="dimmed" mt="xs">
              {t("plAccuracyHint")}
            </Text>
          </Card>
          <Card withBorder>
            <Title order={3} size="h5" mb="xs">
              {t("plWhatIfMove")}
            </Title>
            <Stack gap="xs">
              <Select
                label={t("plEventToMove")}
                placeholder={t("plPickEvent")}
                value={moveId}
                onChange={(v) => {
                  setMoveId(v);
                  const e = forecast.events.find((x) => x.id === v);
                  if (e) setMoveTo(localInput(e.startsAt));
                }}
                data={forecast.events.map((e) => ({ value: e.id, label: `${e.name} (${fmt.dateTime(e.startsAt)})` }))}
              />
              <TextInput type="datetime-local" label={t("plMoveTo")} value={moveTo} onChange={(e) => setMoveTo(e.currentTarget.value)} />
              <Group>
                <Button onClick={() => void runWhatIf()} disabled={!moveId}>
                  {t("plCompare")}
                </Button>
                {whatIf && (
                  <Button variant="default" onClick={() => setWhatIf(null)}>
                    {t("plClearWhatIf")}
                  </Button>
                )}
              </Group>
              {whatIfError && (
                <Alert color="red" role="alert">
                  {t("error", { message: whatIfError })}
                </Alert>
              )}
              <Text size="xs" c="dimmed">
                {forecast.events.length ? t("plWhatIfHint") : t("plNoEvents")}
              </Text>
            </Stack>
          </Card>
        </SimpleGrid>
      )}
    </>
  );
}

function EventsSection({ regions, onCreated, version, onError }: { regions: string[]; onCreated: () => void; version: number; onError: (m: string) => void }) {
  const { t, fmt } = useI18n();
  const [events, setEvents] = useState<PlanEventFragment[] | null>(null);
  const [region, setRegion] = useState(regions[0] ?? "");
  const [name, setName] = useState("");
  const [kind, setKind] = useState<string>("release");
  const [markets, setMarkets] = useState("");
  const [startsAt, setStartsAt] = useState("");
  const [endsAt, setEndsAt] = useState("");
  const [lift, setLift] = useState<number | string>("");
  const [formError, setFormError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);

  useEffect(() => {
    let stale = false;
    request(PlannerEventsDocument, {})
      .then(({ planningEvents }) => !stale && setEvents(planningEvents))
      .catch((err: unknown) => !stale && onError(errorMessage(err)));
    return () => {
      stale = true;
    };
  }, [version, onError]);

  const create = async () => {
    setFormError(null);
    setSaved(null);
    try {
      const list = markets
        .split(",")
        .map((m) => m.trim())
        .filter(Boolean);
      const { createPlanningEvent: e } = await request(CreatePlanningEventDocument, {
        input: {
          region,
          name,
          kind,
          markets: list,
          startsAt: instant(startsAt),
          endsAt: endsAt ? instant(endsAt) : null,
          lift: lift === "" ? null : Number(lift),
        },
      });
      setSaved(t("plCreated", { name: e.name, at: fmt.dateTime(e.startsAt) }));
      setName("");
      onCreated();
    } catch (err) {
      setFormError(errorMessage(err));
    }
  };

  return (
    <SimpleGrid cols={{ base: 1, lg: 2 }}>
      <Card withBorder>
        <Title order={3} size="h5" mb="xs">
          {t("plEvents")}
        </Title>
        {!events && <Loading size="sm" />}
        {events?.length === 0 && <Text size="sm">{t("plNoPlanningEvents")}</Text>}
        {events && events.length > 0 && (
          <Table striped data-testid="planning-events">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("plName")}</Table.Th>
                <Table.Th>{t("plKind")}</Table.Th>
                <Table.Th>{t("filterRegion")}</Table.Th>
                <Table.Th>{t("plMarkets")}</Table.Th>
                <Table.Th>{t("plStarts")}</Table.Th>
                <Table.Th>{t("plEnds")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {events.map((e) => (
                <Table.Tr key={`${e.region}/${e.id}`}>
                  <Table.Td>{e.name}</Table.Td>
                  <Table.Td>{t(`plKind_${e.kind as (typeof kinds)[number]}`)}</Table.Td>
                  <Table.Td>{e.region}</Table.Td>
                  <Table.Td>{e.markets.join(", ") || t("plAll")}</Table.Td>
                  <Table.Td>{fmt.dateTime(e.startsAt)}</Table.Td>
                  <Table.Td>{e.endsAt ? fmt.dateTime(e.endsAt) : "–"}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Card>
      <Card withBorder component="form" onSubmit={(e) => (e.preventDefault(), void create())} aria-labelledby="create-event-title">
        <Title order={3} size="h5" mb="xs" id="create-event-title">
          {t("plCreateEvent")}
        </Title>
        <SimpleGrid cols={2} spacing="xs">
          <TextInput label={t("plName")} value={name} onChange={(e) => setName(e.currentTarget.value)} />
          <Select
            label={t("plKind")}
            value={kind}
            onChange={(v) => v && setKind(v)}
            data={kinds.map((k) => ({ value: k, label: t(`plKind_${k}`) }))}
            allowDeselect={false}
          />
          <Select label={t("filterRegion")} value={region} onChange={(v) => v && setRegion(v)} data={regions} allowDeselect={false} />
          <TextInput label={t("plMarkets")} description={t("plMarketsHint")} value={markets} onChange={(e) => setMarkets(e.currentTarget.value)} />
          <TextInput type="datetime-local" label={t("plStarts")} value={startsAt} onChange={(e) => setStartsAt(e.currentTarget.value)} />
          <TextInput type="datetime-local" label={t("plEnds")} value={endsAt} onChange={(e) => setEndsAt(e.currentTarget.value)} />
          <NumberInput label={t("plLift")} description={t("plLiftHint")} value={lift} onChange={setLift} step={0.1} decimalScale={2} />
        </SimpleGrid>
        <Button type="submit" mt="sm">
          {t("plCreate")}
        </Button>
        {formError && (
          <Alert color="red" role="alert" mt="sm" data-testid="create-error">
            {formError}
          </Alert>
        )}
        {saved && (
          <Text size="sm" mt="sm" role="status">
            {saved}
          </Text>
        )}
      </Card>
    </SimpleGrid>
  );
}

type RegionPlan = { region: string; plan: Staffing | null; error: string | null };

function StaffingSection({ regions }: { regions: string[] }) {
  const { t, fmt } = useI18n();
  const [aht, setAht] = useState<number | string>(300);
  const [answer, setAnswer] = useState<number | string>(20);
  const [shrinkage, setShrinkage] = useState<number | string>(30);
  const [target, setTarget] = useState<number | string>(80);
  const [whatIfTarget, setWhatIfTarget] = useState<number | string>(90);
  const [hours, setHours] = useState<number | string>(24);
  const [plans, setPlans] = useState<RegionPlan[] | null>(null);
  const [show, setShow] = useState<"base" | "whatIf" | "diff">("base");

  const plan = useCallback(async () => {
    // One request per region: the server staffs both targets and their difference.
    const input = (region: string) => ({
      ahtSeconds: Number(aht),
      answerSeconds: Number(answer),
      shrinkage: Number(shrinkage) / 100,
      serviceLevel: Number(target) / 100,
      compareServiceLevel: Number(whatIfTarget) / 100,
      series: { region },
      source: "live",
      horizon: Number(hours),
    });
    const out = await Promise.all(
      regions.map(async (region): Promise<RegionPlan> => {
        try {
          const { staffing } = await request(PlannerStaffingDocument, { input: input(region) });
          return { region, plan: staffing, error: null };
        } catch (err) {
          return { region, plan: null, error: errorMessage(err) };
        }
      }),
    );
    return out;
  }, [regions, aht, answer, shrinkage, target, whatIfTarget, hours]);
  const run = () => {
    setPlans(null);
    void plan().then(setPlans);
  };

  useEffect(() => {
    let stale = false;
    // The first plan with the default inputs; later ones on request.
    void plan().then((out) => !stale && setPlans(out));
    return () => {
      stale = true;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const planned = (plans ?? []).flatMap((p) => (p.plan?.compare ? [{ region: p.region, base: p.plan, whatIf: p.plan.compare }] : []));
  const cols = planned[0]?.base.intervals.map((i) => i.start ?? "") ?? [];
  const values = planned.map((p) =>
    show === "base" ? p.base.intervals.map((iv) => iv.agents) : p.whatIf.intervals.map((iv) => (show === "whatIf" ? iv.agents : iv.agentsDifference)),
  );
  const pct = (v: number) => fmt.number(v, { style: "percent", maximumFractionDigits: 1 });

  return (
    <Card withBorder>
      <Title order={3} size="h5" mb="xs">
        {t("plStaffing")}
      </Title>
      <Group align="end" wrap="wrap" mb="sm">
        <NumberInput label={t("plAht")} w={120} min={1} value={aht} onChange={setAht} />
        <NumberInput label={t("plAnswerSeconds")} w={140} min={1} value={answer} onChange={setAnswer} />
        <NumberInput label={t("plShrinkage")} w={120} min={0} max={95} value={shrinkage} onChange={setShrinkage} />
        <NumberInput label={t("plTarget")} w={150} min={1} max={99.9} value={target} onChange={setTarget} />
        <NumberInput label={t("plWhatIfTarget")} w={150} min={1} max={99.9} value={whatIfTarget} onChange={setWhatIfTarget} />
        <NumberInput label={t("plHours")} w={110} min={1} max={168} value={hours} onChange={setHours} />
        <Button onClick={run}>{t("plPlan")}</Button>
      </Group>
      {!plans && <Loading size="sm" />}
      {plans && (
        <>
          <SegmentedControl
            aria-label={t("plShow")}
            mb="xs"
            value={show}
            onChange={(v) => setShow(v as typeof show)}
            data={[
              { value: "base", label: t("plAgentsAt", { target: pct(Number(target) / 100) }) },
              { value: "whatIf", label: t("plAgentsAt", { target: pct(Number(whatIfTarget) / 100) }) },
              { value: "diff", label: t("plDifference") },
            ]}
          />
          {planned.length > 0 && (
            <Suspense fallback={<Loading size="sm" />}>
              <StaffingHeatmap
                regions={planned.map((p) => p.region)}
                hours={cols}
                values={values}
                diverging={show === "diff"}
                label={t("plHeatmapLabel", { regions: planned.map((p) => p.region).join(", "), n: fmt.number(cols.length) })}
              />
            </Suspense>
          )}
          <Table striped data-testid="staffing">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("filterRegion")}</Table.Th>
                <Table.Th>{t("plModel")}</Table.Th>
                <Table.Th>{t("plPeakAt", { target: pct(Number(target) / 100) })}</Table.Th>
                <Table.Th>{t("plPeakAt", { target: pct(Number(whatIfTarget) / 100) })}</Table.Th>
                <Table.Th>{t("plAgentHoursAt", { target: pct(Number(target) / 100) })}</Table.Th>
                <Table.Th>{t("plAgentHoursAt", { target: pct(Number(whatIfTarget) / 100) })}</Table.Th>
                <Table.Th>{t("plExpectedSl")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {plans.map(({ region, plan: p, error }) => (
                <Table.Tr key={region} data-testid={`staffing-${region}`}>
                  <Table.Td>{region}</Table.Td>
                  {p?.compare ? (
                    <>
                      <Table.Td>{p.model}</Table.Td>
                      <Table.Td>{fmt.number(p.peakAgents)}</Table.Td>
                      <Table.Td>
                        {fmt.number(p.compare.peakAgents)} ({fmt.number(p.compare.peakAgentsDifference, { signDisplay: "exceptZero" })})
                      </Table.Td>
                      <Table.Td>{fmt.number(p.agentHours, { maximumFractionDigits: 1 })}</Table.Td>
                      <Table.Td>{fmt.number(p.compare.agentHours, { maximumFractionDigits: 1 })}</Table.Td>
                      <Table.Td>
                        {pct(p.serviceLevel)} → {pct(p.compare.serviceLevel)}
                      </Table.Td>
                    </>
                  ) : (
                    <Table.Td colSpan={6}>{error}</Table.Td>
                  )}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <Text size="xs" c="dimmed" mt="xs">
            {t("plStaffingHint")}
          </Text>
        </>
      )}
    </Card>
  );
}

type Site = { name: string; timeZone: string; startHour: number | string; endHour: number | string; costPerHour: number | string; languages: string };

// Where each region's people sit by default, and what an hour of theirs costs: assumptions
// to edit, not figures the server knows.
const defaultSites: Record<string, { timeZone: string; cost: number }> = {
  eu: { timeZone: "Europe/Berlin", cost: 40 },
  us: { timeZone: "America/New_York", cost: 45 },
  sea: { timeZone: "Asia/Singapore", cost: 20 },
};

function SunSection({ regions }: { regions: string[] }) {
  const { t, fmt } = useI18n();
  const [markets, setMarkets] = useState<{ region: string; market: string; language: string }[] | null>(null);
  const [sites, setSites] = useState<Site[]>([]);
  const [plan, setPlan] = useState<Sun | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  // The busiest markets of the last four weeks are the plan's demand.
  useEffect(() => {
    let stale = false;
    request(PlannerMarketsDocument, { from: new Date(Date.now() - 28 * 86_400_000).toISOString() })
      .then(({ metrics }) => {
        if (stale) return;
        const ms = metrics.rows.map((r) => ({ region: r.dimensions[0] ?? "", market: r.dimensions[1] ?? "", language: r.dimensions[2] ?? "" })).filter((m) => m.market && m.language);
        setMarkets(ms);
        setSites(
          regions.map((name) => ({
            name,
            timeZone: defaultSites[name]?.timeZone ?? "UTC",
            startHour: 8,
            endHour: 18,
            costPerHour: defaultSites[name]?.cost ?? 30,
            languages: [...new Set(ms.filter((m) => m.region === name).map((m) => m.language))].join(", ") || "en",
          })),
        );
      })
      .catch((err: unknown) => !stale && setError(errorMessage(err)));
    return () => {
      stale = true;
    };
  }, [regions]);

  const run = async () => {
    if (!markets?.length) return;
    setBusy(true);
    setError(null);
    try {
      const { followTheSun } = await request(PlannerFollowTheSunDocument, {
        input: {
          regions: sites.map((s) => ({
            name: s.name,
            timeZone: s.timeZone,
            startHour: Number(s.startHour),
            endHour: Number(s.endHour),
            costPerHour: Number(s.costPerHour),
            languages: s.languages
              .split(",")
              .map((l) => l.trim())
              .filter(Boolean),
          })),
          demand: markets.map((m) => ({ market: m.market, language: m.language, series: { region: m.region, language: m.language } })),
          source: "live",
          horizon: 168,
          ahtSeconds: 300,
        },
      });
      setPlan(followTheSun);
    } catch (err) {
      setPlan(null);
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const edit = (i: number, patch: Partial<Site>) => setSites((ss) => ss.map((s, k) => (k === i ? { ...s, ...patch } : s)));
  const money = (v: number) => fmt.number(v, { maximumFractionDigits: 0 });
  const pct = (v: number) => fmt.number(v, { style: "percent", maximumFractionDigits: 1 });

  return (
    <Card withBorder>
      <Title order={3} size="h5" mb="xs">
        {t("plSun")}
      </Title>
      {!markets && !error && <Loading size="sm" />}
      {markets?.length === 0 && <Text size="sm">{t("plNoMarkets")}</Text>}
      {markets && markets.length > 0 && (
        <>
          <Text size="sm" mb="xs">
            {t("plSunDemand", { markets: markets.map((m) => `${m.market}/${fmt.language(m.language)} (${m.region})`).join(", ") })}
          </Text>
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("plSite")}</Table.Th>
                <Table.Th>{t("plTimeZone")}</Table.Th>
                <Table.Th>{t("plFrom")}</Table.Th>
                <Table.Th>{t("plTo")}</Table.Th>
                <Table.Th>{t("plCostPerHour")}</Table.Th>
                <Table.Th>{t("plLanguages")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {sites.map((s, i) => (
                <Table.Tr key={s.name}>
                  <Table.Td>{s.name}</Table.Td>
                  <Table.Td>
                    <TextInput aria-label={`${t("plTimeZone")} ${s.name}`} size="xs" value={s.timeZone} onChange={(e) => edit(i, { timeZone: e.currentTarget.value })} />
                  </Table.Td>
                  <Table.Td>
                    <NumberInput aria-label={`${t("plFrom")} ${s.name}`} size="xs" w={70} min={0} max={23} value={s.startHour} onChange={(v) => edit(i, { startHour: v })} />
                  </Table.Td>
                  <Table.Td>
                    <NumberInput aria-label={`${t("plTo")} ${s.name}`} size="xs" w={70} min={0} max={24} value={s.endHour} onChange={(v) => edit(i, { endHour: v })} />
                  </Table.Td>
                  <Table.Td>
                    <NumberInput aria-label={`${t("plCostPerHour")} ${s.name}`} size="xs" w={90} min={0} value={s.costPerHour} onChange={(v) => edit(i, { costPerHour: v })} />
                  </Table.Td>
                  <Table.Td>
                    <TextInput aria-label={`${t("plLanguages")} ${s.name}`} size="xs" value={s.languages} onChange={(e) => edit(i, { languages: e.currentTarget.value })} />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <Group mt="xs">
            <Button onClick={() => void run()} loading={busy}>
              {t("plPlanSun")}
            </Button>
          </Group>
        </>
      )}
      {error && (
        <Alert color="red" role="alert" mt="sm">
          {t("error", { message: error })}
        </Alert>
      )}
      {plan && (
        <Stack gap="xs" mt="sm">
          <Text size="sm" data-testid="sun-summary">
            {t("plSunSummary", {
              cost: money(plan.cost),
              baseline: money(plan.baseline.cost),
              region: plan.baseline.region,
              increase: plan.costIncrease == null ? "–" : fmt.number(plan.costIncrease, { style: "percent", signDisplay: "exceptZero", maximumFractionDigits: 1 }),
              sl: pct(plan.serviceLevel),
              human: fmt.number(plan.humanContacts, { maximumFractionDigits: 0 }),
              ai: fmt.number(plan.aiContacts, { maximumFractionDigits: 0 }),
            })}
          </Text>
          <Table striped data-testid="sun-coverage">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("plMarket")}</Table.Th>
                <Table.Th>{t("plLanguage")}</Table.Th>
                <Table.Th>{t("plCoverageHours")}</Table.Th>
                <Table.Th>{t("plBaselineHours", { region: plan.baseline.region })}</Table.Th>
                <Table.Th>{t("plMarketCost")}</Table.Th>
                <Table.Th>{t("plMarketBaselineCost", { region: plan.baseline.region })}</Table.Th>
                <Table.Th>{t("plMarketHuman")}</Table.Th>
                <Table.Th>{t("plMarketAi")}</Table.Th>
                <Table.Th>{t("plMarketSl")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {plan.coverage.map((c) => (
                <Table.Tr key={c.market + c.language}>
                  <Table.Td>{c.market}</Table.Td>
                  <Table.Td>{fmt.language(c.language)}</Table.Td>
                  <Table.Td>{fmt.number(c.hours, { maximumFractionDigits: 1 })}</Table.Td>
                  <Table.Td>{fmt.number(c.baselineHours, { maximumFractionDigits: 1 })}</Table.Td>
                  <Table.Td>{money(c.cost)}</Table.Td>
                  <Table.Td>{money(c.baselineCost)}</Table.Td>
                  <Table.Td>{fmt.number(c.humanContacts, { maximumFractionDigits: 0 })}</Table.Td>
                  <Table.Td>{fmt.number(c.aiContacts, { maximumFractionDigits: 0 })}</Table.Td>
                  <Table.Td>{c.serviceLevel == null ? "–" : pct(c.serviceLevel)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <Text size="xs" c="dimmed">
            {t("plMarketCostHint")}
          </Text>
        </Stack>
      )}
    </Card>
  );
}
