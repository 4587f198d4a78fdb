// The executive screen's ROI tab: the roi query on a shipped scenario (roiScenarios lists them,
// the server's default first chosen), with the discount rate
// and whether measured actuals replace the scenario's assumptions; value by dimension as a
// waterfall, NPV and payback, the sensitivity as a tornado, and every input the model read
// with where it comes from (roi's inputs). A measured count of conversations lists the conversations behind it.
import "../styles/roi.css";
import { useCallback, useEffect, useMemo, useState } from "react";
import { Alert, Anchor, Badge, Card, Code, Group, NumberInput, Select, SimpleGrid, Stack, Switch, Table, Text, Title } from "@mantine/core";
import { Loading } from "../components/Loading";
import { RoiDocument, RoiScenariosDocument, type RoiQuery, type RoiScenariosQuery } from "../gql/graphql";
import { errorMessage, request } from "../api/client";
import { useI18n } from "../i18n/i18n";
import type { MessageKey } from "../i18n/en";
import { Tornado, Waterfall } from "../components/RoiCharts";
import type { DrillTarget } from "../components/ConversationDrill";

type Kind = "money" | "count" | "share" | "rate" | "months" | "years" | "percent";

// What each scenario input is called and how its value reads (insights/roi/scenario.go).
const inputs: Record<string, { label: MessageKey; kind: Kind }> = {
  horizon_years: { label: "roiInHorizonYears", kind: "years" },
  discount_rate: { label: "roiInDiscountRate", kind: "rate" },
  ramp_months: { label: "roiInRampMonths", kind: "months" },
  "sensitivity.delta": { label: "roiInSensitivityDelta", kind: "share" },
  "value.retention.direct": { label: "roiInRetentionDirect", kind: "money" },
  "value.retention.drivers.customers": { label: "roiInCustomers", kind: "count" },
  "value.retention.drivers.baseline_churn": { label: "roiInBaselineChurn", kind: "share" },
  "value.retention.drivers.churn_reduction": { label: "roiInChurnReduction", kind: "share" },
  "value.retention.drivers.lifetime_value": { label: "roiInLifetimeValue", kind: "money" },
  "value.efficiency.direct": { label: "roiInEfficiencyDirect", kind: "money" },
  "value.efficiency.drivers.annual_contacts": { label: "roiInAnnualContacts", kind: "count" },
  "value.efficiency.drivers.cost_per_contact_before": { label: "roiInCostPerContactBefore", kind: "money" },
  "value.efficiency.drivers.cost_per_contact_after": { label: "roiInCostPerContactAfter", kind: "money" },
  "value.efficiency.drivers.ai_containment": { label: "roiInAiContainment", kind: "share" },
  "value.efficiency.drivers.ai_cost_per_contact": { label: "roiInAiCostPerContact", kind: "money" },
  "value.efficiency.drivers.human_cost_per_contact": { label: "roiInHumanCostPerContact", kind: "money" },
  "value.market_insight.direct": { label: "roiInMarketInsightDirect", kind: "money" },
  "value.market_insight.drivers.annual_new_product_revenue": { label: "roiInNewProductRevenue", kind: "money" },
  "value.market_insight.drivers.success_rate_uplift": { label: "roiInSuccessRateUplift", kind: "share" },
  "value.market_insight.drivers.contribution_margin": { label: "roiInContributionMargin", kind: "share" },
  "value.price_premium.direct": { label: "roiInPricePremiumDirect", kind: "money" },
  "value.price_premium.drivers.annual_revenue": { label: "roiInAnnualRevenue", kind: "money" },
  "value.price_premium.drivers.premium": { label: "roiInPremium", kind: "share" },
  "value.fines_avoided.direct": { label: "roiInFinesDirect", kind: "money" },
  "value.fines_avoided.drivers.annual_expected_fines": { label: "roiInExpectedFines", kind: "money" },
  "value.fines_avoided.drivers.reduction": { label: "roiInFinesReduction", kind: "share" },
  "costs.total.amount": { label: "roiInTotalCost", kind: "money" },
  "costs.total.derived_from.total_value": { label: "roiInDerivedTotalValue", kind: "money" },
  "costs.total.derived_from.roi_percent": { label: "roiInDerivedRoi", kind: "percent" },
  "costs.total.upfront_share": { label: "roiInUpfrontShare", kind: "share" },
  "costs.one_off.licence": { label: "roiInLicence", kind: "money" },
  "costs.one_off.integration": { label: "roiInIntegration", kind: "money" },
  "costs.one_off.training": { label: "roiInTraining", kind: "money" },
  "costs.monthly.cloud": { label: "roiInCloud", kind: "money" },
  "costs.monthly.content": { label: "roiInContent", kind: "money" },
  "costs.monthly.optimisation": { label: "roiInOptimisation", kind: "money" },
  "costs.change_management_share": { label: "roiInChangeManagement", kind: "share" },
};

const dimensions: Record<string, MessageKey> = {
  retention: "roiDimRetention",
  efficiency: "roiDimEfficiency",
  market_insight: "roiDimMarketInsight",
  price_premium: "roiDimPricePremium",
  fines_avoided: "roiDimFinesAvoided",
};

// Inputs that are a measured count of conversations: the conversations behind them are those
// with a customer message in the range (the metrics measure contacts).
const conversationCounts = new Set(["value.efficiency.drivers.annual_contacts"]);
const contactsFilter = [{ dimension: "type", op: "eq", values: ["message.received"] }];

type Result = RoiQuery["roi"];
type Scenario = RoiScenariosQuery["roiScenarios"][number];

// How each source of an input's value is shown (RoiInputValue.source).
const sources: Record<string, { label: MessageKey; color: string; variant: "filled" | "light" }> = {
  actual: { label: "roiActual", color: "teal.9", variant: "filled" },
  option: { label: "roiOption", color: "blue", variant: "light" },
  scenario: { label: "roiAssumption", color: "gray", variant: "light" },
};

export default function ExecutiveRoi({ range, onDrill }: { range: { from: string; to: string }; onDrill: (d: DrillTarget) => void }) {
  const { t, fmt } = useI18n();
  const [scenarios, setScenarios] = useState<Scenario[] | null>(null);
  const [scenario, setScenario] = useState("");
  const [rate, setRate] = useState<number | null>(null);
  const [useActuals, setUseActuals] = useState(true);
  const [result, setResult] = useState<Result | null>(null);
  const [error, setError] = useState<string | null>(null);
  // The arguments of the answer shown; while they differ from the chosen ones, a new one is on its way.
  const want = JSON.stringify([scenario, rate, useActuals, range]);
  const [answered, setAnswered] = useState<string | null>(null);
  const loading = scenarios == null || (scenario !== "" && answered !== want);

  // The scenarios the server ships; the one it marks default is shown first.
  useEffect(() => {
    let stale = false;
    request(RoiScenariosDocument, {})
      .then(({ roiScenarios }) => {
        if (stale) return;
        setScenarios(roiScenarios);
        setScenario((roiScenarios.find((s) => s.default) ?? roiScenarios[0])?.name ?? "");
      })
      .catch((err: unknown) => {
        if (stale) return;
        setScenarios([]);
        setError(errorMessage(err));
      });
    return () => {
      stale = true;
    };
  }, []);
  const chosen = scenarios?.find((s) => s.name === scenario);

  // A typed rate is asked for once the typing pauses.
  useEffect(() => {
    if (!scenario) return;
    let stale = false;
    const timer = setTimeout(() => {
      request(RoiDocument, { scenario, discountRate: rate == null ? null : rate / 100, useActuals, ...range })
        .then(({ roi }) => {
          if (stale) return;
          setResult(roi);
          setError(null);
        })
        .catch((err: unknown) => {
          if (stale) return;
          // No figures of other arguments beside the error.
          setResult(null);
          setError(errorMessage(err));
        })
        .finally(() => !stale && setAnswered(want));
    }, 300);
    return () => {
      stale = true;
      clearTimeout(timer);
    };
  }, [scenario, rate, useActuals, range, want]);

  const currency = result?.currency ?? "USD";
  const money = useCallback(
    (v: number, compact = false) => fmt.number(v, { style: "currency", currency, maximumFractionDigits: compact ? 1 : 0, notation: compact ? "compact" : "standard" }),
    [fmt, currency],
  );
  const value = (path: string, v: number) => {
    switch (inputs[path]?.kind) {
      case "money":
        // Cents only where there are any: $12,600,000 but $0.80.
        return fmt.number(v, { style: "currency", currency, minimumFractionDigits: Number.isInteger(v) ? 0 : 2, maximumFractionDigits: 2 });
      case "count":
        return fmt.number(v, { maximumFractionDigits: 0 });
      case "share":
        return fmt.number(v, { style: "percent", maximumFractionDigits: 1 });
      case "rate":
        return fmt.number(v, { style: "percent", maximumFractionDigits: 2 });
      case "months":
        return t("roiMonths", { n: fmt.number(v) });
      case "years":
        return t("roiYears", { n: fmt.number(v) });
      case "percent":
        return fmt.number(v / 100, { style: "percent", maximumFractionDigits: 2 });
      default:
        return fmt.number(v);
    }
  };
  const stepValue = (v: number, unit: string) => {
    switch (unit) {
      case "money":
        return money(v);
      case "money/contact":
        return fmt.number(v, { style: "currency", currency, maximumFractionDigits: 2 });
      case "%":
        return fmt.number(v / 100, { style: "percent", maximumFractionDigits: 2 });
      case "month":
      case "months":
        return t("roiMonths", { n: fmt.number(v) });
      case "years":
        return t("roiYears", { n: fmt.number(v) });
      case "customers":
        return t("roiCustomers", { n: fmt.number(v, { maximumFractionDigits: 0 }) });
      default:
        return `${fmt.number(v)} ${unit}`.trim();
    }
  };
  const inputLabel = useCallback(
    (path: string) => {
      const known = inputs[path];
      return known ? t(known.label) : path;
    },
    [t],
  );

  const steps = useMemo(
    () =>
      result?.valueByDimension.map((d) => {
        const key = dimensions[d.key];
        return { label: key ? t(key) : d.label, value: d.value };
      }) ?? [],
    [result, t],
  );

  // Widest NPV swing first: the tornado's shape.
  const swings = useMemo(
    () => [...(result?.sensitivity ?? [])].sort((a, b) => Math.abs(b.npvHigh - b.npvLow) - Math.abs(a.npvHigh - a.npvLow)),
    [result],
  );
  const tornadoRows = useMemo(() => swings.map((s) => ({ label: inputLabel(s.input), low: s.npvLow, high: s.npvHigh })), [swings, inputLabel]);


  const sourceBadge = (source: string) => {
    const shown = sources[source];
    return shown ? (
      <Badge color={shown.color} variant={shown.variant}>
        {t(shown.label)}
      </Badge>
    ) : (
      source
    );
  };
  const payback = (m: number | null | undefined) => (m == null ? t("roiNoPayback", { n: fmt.number(result?.horizonMonths ?? 0) }) : t("roiMonth", { n: fmt.number(m) }));
  const pct = fmt.number(result?.sensitivityDelta ?? 0, { style: "percent", maximumFractionDigits: 0 });

  return (
    <Stack gap="md" data-testid="roi" aria-busy={loading}>
      <Group align="end">
        <Select
          label={t("roiScenario")}
          w={380}
          value={scenario || null}
          onChange={(v) => v && setScenario(v)}
          data={(scenarios ?? []).map((s) => ({ value: s.name, label: s.title }))}
          description={chosen?.description ?? undefined}
          allowDeselect={false}
          data-testid="roi-scenario"
        />
        <NumberInput
          label={t("roiDiscountRate")}
          w={180}
          suffix="%"
          decimalScale={2}
          min={-99}
          max={1000}
          placeholder={result ? fmt.number(result.discountRate * 100, { maximumFractionDigits: 2 }) : undefined}
          value={rate ?? ""}
          onChange={(v) => setRate(typeof v === "number" ? v : v === "" ? null : Number(v))}
        />
        <Switch label={t("roiUseActuals")} checked={useActuals} onChange={(e) => setUseActuals(e.currentTarget.checked)} mb={6} />
        {loading && <Loading size="sm" mb={6} />}
      </Group>
      {scenarios?.length === 0 && !error && <Alert color="yellow">{t("roiNoScenarios")}</Alert>}
      {error && (
        <Alert color="red" role="alert">
          {t("error", { message: error })}
        </Alert>
      )}
      {result && (
        <>
          <Text size="sm" c="dimmed">
            {t("roiScenarioOf", { name: result.scenario, months: fmt.number(result.horizonMonths), rate: fmt.number(result.discountRate, { style: "percent", maximumFractionDigits: 2 }) })}
          </Text>
          <SimpleGrid cols={{ base: 2, sm: 3, lg: 6 }}>
            {(
              [
                ["npv", t("roiNpv"), money(result.npv), result.npv],
                ["payback", t("roiPayback"), payback(result.paybackMonth), result.paybackMonth],
                ["discounted-payback", t("roiDiscountedPayback"), payback(result.discountedPaybackMonth), result.discountedPaybackMonth],
                ["roi", t("roiPercent"), fmt.number(result.roiPercent / 100, { style: "percent", maximumFractionDigits: 0 }), result.roiPercent],
                ["value", t("roiTotalValue"), money(result.totalValue), result.totalValue],
                ["cost", t("roiTotalCost"), money(result.totalCost), result.totalCost],
              ] as const
            ).map(([id, name, shown, raw]) => (
              <Card withBorder padding="sm" key={id}>
                <Text size="xs" c="dimmed" fw={700}>
                  {name}
                </Text>
                <Text size="xl" fw={700} data-testid={`roi-${id}`} data-value={raw ?? ""}>
                  {shown}
                </Text>
              </Card>
            ))}
          </SimpleGrid>
          {result.warnings.length > 0 && (
            <Alert color="yellow" title={t("roiWarnings")} styles={{ title: { color: "var(--mantine-color-text)" } }}>
              {result.warnings.map((w) => (
                <Text size="sm" key={w}>
                  {w}
                </Text>
              ))}
            </Alert>
          )}
          <Card withBorder>
            <Title order={3} size="h5" mb="xs">
              {t("roiValueByDimension")}
            </Title>
            <Waterfall steps={steps} total={result.totalValue} totalLabel={t("roiTotalValue")} label={t("roiWaterfallLabel", { total: money(result.totalValue) })} money={money} />
          </Card>
          <Card withBorder>
            <Title order={3} size="h5" mb="xs">
              {t("roiSensitivity")}
            </Title>
            <Tornado
              rows={tornadoRows}
              base={result.npv}
              lowName={t("roiInputDown", { pct })}
              highName={t("roiInputUp", { pct })}
              label={t("roiTornadoLabel", { pct, npv: money(result.npv) })}
              money={money}
            />
          </Card>
          <Card withBorder>
            <Title order={3} size="h5" mb="xs">
              {t("roiInputs")}
            </Title>
            {result.actualsSource && (
              <Text size="sm" c="dimmed" mb="xs">
                {t("roiActualsFrom", { source: result.actualsSource })}
              </Text>
            )}
            <Table striped data-testid="roi-inputs">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t("roiColInput")}</Table.Th>
                  <Table.Th>{t("roiColValue")}</Table.Th>
                  <Table.Th>{t("roiColSource")}</Table.Th>
                  <Table.Th>{t("roiColAssumed")}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {result.inputs.map((r) => (
                  <Table.Tr key={r.path} data-input={r.path} data-source={r.source} data-value={r.value}>
                    <Table.Td>
                      <Text size="sm">{inputLabel(r.path)}</Text>
                      <Code>{r.path}</Code>
                    </Table.Td>
                    <Table.Td>
                      {r.source === "actual" && conversationCounts.has(r.path) ? (
                        <Anchor
                          component="button"
                          type="button"
                          aria-label={`${t("roiDrill", { input: inputLabel(r.path) })}: ${value(r.path, r.value)}`}
                          onClick={() => onDrill({ what: inputLabel(r.path), filters: contactsFilter, ...range })}
                        >
                          {value(r.path, r.value)}
                        </Anchor>
                      ) : (
                        value(r.path, r.value)
                      )}
                    </Table.Td>
                    <Table.Td>
                      {sourceBadge(r.source)}
                    </Table.Td>
                    <Table.Td>{r.scenarioValue != null ? value(r.path, r.scenarioValue) : "–"}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Card>
          <Card withBorder>
            <details>
              <summary>
                <Text component="span" fw={700} size="sm">
                  {t("roiArithmetic", { n: fmt.number(result.steps.length) })}
                </Text>
              </summary>
              <Table mt="xs">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t("roiColStep")}</Table.Th>
                    <Table.Th>{t("roiColFormula")}</Table.Th>
                    <Table.Th>{t("roiColValue")}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {result.steps.map((s, i) => (
                    <Table.Tr key={i}>
                      <Table.Td>
                        <Code>{s.name}</Code>
                      </Table.Td>
                      <Table.Td>{s.formula}</Table.Td>
                      <Table.Td>{stepValue(s.value, s.unit)}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </details>
          </Card>
        </>
      )}
    </Stack>
  );
}
