// The compliance screen's actions on people and stores: erasure (with its certificates and the
// data export), legal holds, retention and the residency report. Every figure is the server's.
import { useCallback, useEffect, useState, type ReactNode } from "react";
import { Alert, Badge, Button, Checkbox, Code, Group, Loader, Select, Stack, Table, Text, TextInput, Title, VisuallyHidden } from "@mantine/core";
import {
  ApplyRetentionDocument,
  EraseCustomerDocument,
  ErasureCertificatesDocument,
  ExportCustomerDataDocument,
  LegalHoldsDocument,
  PlaceLegalHoldDocument,
  ReleaseLegalHoldDocument,
  ResidencyReportDocument,
  type ApplyRetentionMutation,
  type CertificateFragment,
  type HoldFragment,
  type ResidencyReportQuery,
} from "../gql/graphql";
import { request } from "../api/client";
import { useI18n } from "../i18n/i18n";
import { useViewer } from "../session";

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

function ErrorAlert({ error }: { error: string | null }) {
  const { t } = useI18n();
  if (!error) return null;
  return (
    <Alert color="red" role="alert">
      {t("error", { message: error })}
    </Alert>
  );
}

/** An irreversible action asks once more, in the page (no modal to trap focus). */
function Confirm({ question, confirm, busy, onConfirm, onCancel }: { question: string; confirm: string; busy: boolean; onConfirm: () => void; onCancel: () => void }) {
  const { t } = useI18n();
  return (
    <Alert color="orange" title={t("confirmTitle")} role="alertdialog" aria-label={t("confirmTitle")}>
      <Stack gap="xs">
        <Text size="sm">{question}</Text>
        <Group>
          <Button color="red" loading={busy} onClick={onConfirm}>
            {confirm}
          </Button>
          <Button variant="default" onClick={onCancel} disabled={busy}>
            {t("cancel")}
          </Button>
        </Group>
      </Stack>
    </Alert>
  );
}

const statusColor = { COMPLETED: "teal.9", INCOMPLETE: "orange.9", BLOCKED: "red.9" } as const;

function CertificateView({ cert }: { cert: CertificateFragment }) {
  const { t, fmt } = useI18n();
  return (
    <Stack gap="xs" data-certificate={cert.id} data-status={cert.status}>
      <Group gap="sm">
        <Badge color={statusColor[cert.status]} variant="filled" data-testid="certificate-status">
          {t(`erasure${cert.status}`)}
        </Badge>
        <Text size="sm">
          {t("certificateLine", { id: cert.id, region: cert.region, at: fmt.dateTime(cert.requestedAt) })}
        </Text>
      </Group>
      <Text size="sm">{t("certificateReason", { reason: cert.reason })}</Text>
      {cert.blockedReason && (
        <Text size="sm" c="red.9" fw={700}>
          {t("blockedBecause", { reason: cert.blockedReason })}
        </Text>
      )}
      {cert.previousCertificateId && <Text size="sm">{t("previousCertificate", { id: cert.previousCertificateId })}</Text>}
      {cert.entries.length > 0 && (
        <Table striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t("colStore")}</Table.Th>
              <Table.Th>{t("colRegion")}</Table.Th>
              <Table.Th>{t("colAction")}</Table.Th>
              <Table.Th>{t("colRows")}</Table.Th>
              <Table.Th>{t("colVerified")}</Table.Th>
              <Table.Th>{t("colDetail")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {cert.entries.map((e, i) => (
              <Table.Tr key={i} data-entry={e.store}>
                <Table.Td>{e.store}</Table.Td>
                <Table.Td>{e.region}</Table.Td>
                <Table.Td>{e.action}</Table.Td>
                <Table.Td>{fmt.number(e.rows)}</Table.Td>
                <Table.Td c={e.verified ? "teal.9" : "red.9"}>{e.verified ? t("yes") : t("no")}</Table.Td>
                <Table.Td>{e.detail}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}

/** eraseCustomer behind a confirmation, the customer's certificates, and their data export. */
export function Erasure() {
  const { t } = useI18n();
  const [customerId, setCustomerId] = useState("");
  const [channel, setChannel] = useState("");
  const [externalId, setExternalId] = useState("");
  const [reason, setReason] = useState("");
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [certificate, setCertificate] = useState<CertificateFragment | null>(null);
  const [listed, setListed] = useState<{ customerId: string; certificates: CertificateFragment[] } | null>(null);

  const id = customerId.trim();
  const named = id !== "" || (channel.trim() !== "" && externalId.trim() !== "");

  async function erase() {
    setBusy(true);
    try {
      const { eraseCustomer } = await request(EraseCustomerDocument, {
        customerId: id || null,
        channel: id ? null : channel.trim(),
        externalId: id ? null : externalId.trim(),
        reason: reason.trim(),
      });
      setCertificate(eraseCustomer);
      setError(null);
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
      setConfirming(false);
    }
  }

  async function listCertificates() {
    try {
      const { erasureCertificates } = await request(ErasureCertificatesDocument, { customerId: id });
      setListed({ customerId: id, certificates: erasureCertificates });
      setError(null);
    } catch (err) {
      setError(message(err));
    }
  }

  async function exportData() {
    try {
      const { exportCustomerData } = await request(ExportCustomerDataDocument, { customerId: id });
      // A download from memory: the key never goes into a URL.
      const url = URL.createObjectURL(new Blob([exportCustomerData.json], { type: "application/json" }));
      const a = document.createElement("a");
      a.href = url;
      a.download = `meridian-export-${exportCustomerData.customerPseudonym}.json`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
      setError(null);
    } catch (err) {
      setError(message(err));
    }
  }

  return (
    <Stack gap="md">
      <Title order={3} size="h4">
        {t("tabErasure")}
      </Title>
      <Text size="sm" c="dimmed">
        {t("erasureHelp")}
      </Text>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (named && reason.trim()) setConfirming(true);
        }}
      >
        <Stack gap="xs" maw={640}>
          <TextInput label={t("customerId")} value={customerId} onChange={(e) => setCustomerId(e.currentTarget.value)} />
          <Group grow>
            <TextInput label={t("channel")} value={channel} onChange={(e) => setChannel(e.currentTarget.value)} disabled={id !== ""} />
            <TextInput label={t("externalId")} value={externalId} onChange={(e) => setExternalId(e.currentTarget.value)} disabled={id !== ""} />
          </Group>
          <TextInput label={t("reason")} required value={reason} onChange={(e) => setReason(e.currentTarget.value)} />
          <Group>
            <Button type="submit" color="red" disabled={!named || !reason.trim() || confirming}>
              {t("eraseCustomer")}
            </Button>
            <Button variant="default" disabled={!id} onClick={() => void listCertificates()}>
              {t("listCertificates")}
            </Button>
            <Button variant="default" disabled={!id} onClick={() => void exportData()}>
              {t("exportData")}
            </Button>
          </Group>
        </Stack>
      </form>
      {confirming && (
        <Confirm
          question={t("eraseConfirm", { who: id || `${channel.trim()} ${externalId.trim()}` })}
          confirm={t("eraseForever")}
          busy={busy}
          onConfirm={() => void erase()}
          onCancel={() => setConfirming(false)}
        />
      )}
      <ErrorAlert error={error} />
      {certificate && (
        <section aria-label={t("certificate")} data-testid="certificate">
          <Title order={4} size="h5" mb="xs">
            {t("certificate")}
          </Title>
          <CertificateView cert={certificate} />
        </section>
      )}
      {listed && (
        <section aria-label={t("certificatesOf", { id: listed.customerId })} data-testid="certificates">
          <Title order={4} size="h5" mb="xs">
            {t("certificatesOf", { id: listed.customerId })}
          </Title>
          {listed.certificates.length === 0 && <Text c="dimmed">{t("noEntries")}</Text>}
          <Stack gap="lg">
            {listed.certificates.map((c) => (
              <CertificateView key={c.id} cert={c} />
            ))}
          </Stack>
        </section>
      )}
    </Stack>
  );
}

const everyRegion = "*";

/** legalHolds of a region (or all), placeLegalHold and releaseLegalHold. */
export function LegalHolds() {
  const viewer = useViewer();
  const { t, fmt } = useI18n();
  const [region, setRegion] = useState<string>(everyRegion);
  const [includeReleased, setIncludeReleased] = useState(false);
  const [holds, setHolds] = useState<HoldFragment[] | null>(null);
  const [customerId, setCustomerId] = useState("");
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      const { legalHolds } = await request(LegalHoldsDocument, { region: region === everyRegion ? null : region, includeReleased });
      setHolds(legalHolds);
      setError(null);
    } catch (err) {
      setError(message(err));
    }
  }, [region, includeReleased]);

  useEffect(() => {
    // A fetch whose answer sets state later, not a synchronous cascade.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    void load();
  }, [load]);

  async function act(fn: () => Promise<unknown>) {
    setBusy(true);
    try {
      await fn();
      setError(null);
      await load();
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Stack gap="md">
      <Title order={3} size="h4">
        {t("tabLegalHolds")}
      </Title>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void act(async () => {
            await request(PlaceLegalHoldDocument, { customerId: customerId.trim(), reason: reason.trim() });
            setCustomerId("");
            setReason("");
          });
        }}
      >
        <Group align="end">
          <TextInput label={t("customerId")} required value={customerId} onChange={(e) => setCustomerId(e.currentTarget.value)} />
          <TextInput label={t("reason")} required value={reason} onChange={(e) => setReason(e.currentTarget.value)} />
          <Button type="submit" loading={busy} disabled={!customerId.trim() || !reason.trim()}>
            {t("placeHold")}
          </Button>
        </Group>
      </form>
      <ErrorAlert error={error} />
      <Group align="end">
        <Select
          label={t("filterRegion")}
          w={160}
          value={region}
          onChange={(r) => setRegion(r ?? everyRegion)}
          data={[{ value: everyRegion, label: t("allRegions") }, ...viewer.regions.map((r) => ({ value: r, label: r }))]}
          allowDeselect={false}
        />
        <Checkbox label={t("includeReleased")} checked={includeReleased} onChange={(e) => setIncludeReleased(e.currentTarget.checked)} mb={8} />
      </Group>
      {!holds && !error && <Loader aria-label={t("loading")} />}
      {holds && holds.length === 0 && <Text c="dimmed">{t("noEntries")}</Text>}
      {holds && holds.length > 0 && (
        <Table striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t("colCustomer")}</Table.Th>
              <Table.Th>{t("colRegion")}</Table.Th>
              <Table.Th>{t("reason")}</Table.Th>
              <Table.Th>{t("colPlaced")}</Table.Th>
              <Table.Th>{t("colReleased")}</Table.Th>
              <Table.Th>
                <VisuallyHidden>{t("colActions")}</VisuallyHidden>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {holds.map((h) => (
              <Table.Tr key={h.id} data-hold={h.customerPseudonym} data-active={h.active}>
                <Table.Td>
                  <Code>{h.customerPseudonym}</Code>
                </Table.Td>
                <Table.Td>{h.region}</Table.Td>
                <Table.Td>{h.reason}</Table.Td>
                <Table.Td>{t("byAt", { who: h.placedBy, at: fmt.dateTime(h.placedAt) })}</Table.Td>
                <Table.Td>{h.releasedAt ? t("byAt", { who: h.releasedBy ?? "", at: fmt.dateTime(h.releasedAt) }) : t("holdActive")}</Table.Td>
                <Table.Td>
                  {h.active && (
                    <Button
                      size="xs"
                      variant="default"
                      loading={busy}
                      aria-label={t("releaseHoldOf", { who: h.customerPseudonym })}
                      onClick={() => void act(() => request(ReleaseLegalHoldDocument, { customerId: h.customerPseudonym }))}
                    >
                      {t("releaseHold")}
                    </Button>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}

type Report = ApplyRetentionMutation["applyRetention"];

/** applyRetention behind a confirmation, and the report it returns. */
export function Retention() {
  const { t, fmt } = useI18n();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [report, setReport] = useState<Report | null>(null);

  async function apply() {
    setBusy(true);
    try {
      const { applyRetention } = await request(ApplyRetentionDocument);
      setReport(applyRetention);
      setError(null);
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
      setConfirming(false);
    }
  }

  return (
    <Stack gap="md">
      <Title order={3} size="h4">
        {t("tabRetention")}
      </Title>
      <Text size="sm" c="dimmed">
        {t("retentionHelp")}
      </Text>
      <Group>
        <Button color="red" onClick={() => setConfirming(true)} disabled={confirming}>
          {t("applyRetention")}
        </Button>
      </Group>
      {confirming && (
        <Confirm question={t("retentionConfirm")} confirm={t("applyRetentionForever")} busy={busy} onConfirm={() => void apply()} onCancel={() => setConfirming(false)} />
      )}
      <ErrorAlert error={error} />
      {report && (
        <section aria-label={t("retentionReport")} data-testid="retention-report">
          <Text role="status" fw={700} mb="xs">
            {t("retentionSummary", { at: fmt.dateTime(report.ranAt), rows: fmt.number(report.rowsRemoved), held: fmt.number(report.heldCustomers) })}
          </Text>
          <Table striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("colStore")}</Table.Th>
                <Table.Th>{t("colRegion")}</Table.Th>
                <Table.Th>{t("colKind")}</Table.Th>
                <Table.Th>{t("colCountry")}</Table.Th>
                <Table.Th>{t("colTable")}</Table.Th>
                <Table.Th>{t("colPeriod")}</Table.Th>
                <Table.Th>{t("colCutoff")}</Table.Th>
                <Table.Th>{t("colRowsRemoved")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {report.removals.map((r, i) => (
                <Table.Tr key={i} data-removal={`${r.store}/${r.region}/${r.kind}`}>
                  <Table.Td>{r.store}</Table.Td>
                  <Table.Td>{r.region}</Table.Td>
                  <Table.Td>{r.kind}</Table.Td>
                  <Table.Td>{r.country ?? (r.except.length > 0 ? t("defaultRuleExcept", { countries: r.except.join(", ") }) : t("defaultRule"))}</Table.Td>
                  <Table.Td>{r.table}</Table.Td>
                  <Table.Td>{r.period}</Table.Td>
                  <Table.Td>{fmt.dateTime(r.cutoff)}</Table.Td>
                  <Table.Td>{fmt.number(r.rows)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </section>
      )}
    </Stack>
  );
}

type RegionReport = ResidencyReportQuery["residencyReport"][number];

function Labeled({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Text size="sm">
      <Text span fw={700}>
        {label}:
      </Text>{" "}
      {children}
    </Text>
  );
}

/** residencyReport for every region the key may read: stores, tables, countries and misplaced rows. */
export function Residency() {
  const { t, fmt } = useI18n();
  const [regions, setRegions] = useState<RegionReport[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      const { residencyReport } = await request(ResidencyReportDocument, { region: null });
      setRegions(residencyReport);
      setError(null);
    } catch (err) {
      setError(message(err));
    }
  }, []);

  useEffect(() => {
    // A fetch whose answer sets state later, not a synchronous cascade.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    void load();
  }, [load]);

  return (
    <Stack gap="md">
      <Group justify="space-between" align="end">
        <Title order={3} size="h4">
          {t("tabResidency")}
        </Title>
        <Button variant="default" onClick={() => void load()}>
          {t("refresh")}
        </Button>
      </Group>
      <ErrorAlert error={error} />
      {!regions && !error && <Loader aria-label={t("loading")} />}
      {regions?.map((r) => (
        <section key={r.region} aria-label={r.region} data-region={r.region}>
          <Group gap="sm" mb="xs">
            <Title order={4} size="h5">
              {r.region}
            </Title>
            <Badge color={r.misplacedRows > 0 ? "red.9" : "teal.9"} variant="filled" data-testid="misplaced">
              {t("misplacedRows", { rows: fmt.number(r.misplacedRows) })}
            </Badge>
          </Group>
          <Labeled label={t("residencyCountries")}>
            {r.countries.join(", ")}
            {r.fallback && ` (${t("fallbackRegion")})`}
          </Labeled>
          <Table striped mt="xs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("colStore")}</Table.Th>
                <Table.Th>{t("colLocation")}</Table.Th>
                <Table.Th>{t("colKinds")}</Table.Th>
                <Table.Th>{t("colTables")}</Table.Th>
                <Table.Th>{t("colCountries")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {r.stores.map((s) => (
                <Table.Tr key={`${s.store}/${s.location}`}>
                  <Table.Td>{s.store}</Table.Td>
                  <Table.Td>
                    <Code>{s.location}</Code>
                  </Table.Td>
                  <Table.Td>{s.kinds.join(", ")}</Table.Td>
                  <Table.Td>{s.tables.map((tb) => (tb.rows == null ? tb.name : `${tb.name}: ${fmt.number(tb.rows)}`)).join(", ")}</Table.Td>
                  <Table.Td>{s.countries.map((c) => `${c.country}: ${fmt.number(c.rows)}`).join(", ")}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </section>
      ))}
    </Stack>
  );
}
