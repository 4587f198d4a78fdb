// The compliance screen's actions on people and stores: erasure (with its certificates and the
// data export), legal holds, retention, the residency report and customers' consents. Every
// figure is the server's.
import { useCallback, useEffect, useState, type ReactNode } from "react";
import { Alert, Badge, Button, Checkbox, Code, Group, Select, Stack, Switch, Table, Text, TextInput, Title, VisuallyHidden } from "@mantine/core";
import { Loading } from "../components/Loading";
import {
  ApplyRetentionDocument,
  ConsentCustomerDocument,
  ConsentsDocument,
  EraseCustomerDocument,
  ErasureCertificatesDocument,
  ExportCustomerDataDocument,
  LegalHoldsDocument,
  PlaceLegalHoldDocument,
  ReleaseLegalHoldDocument,
  ResidencyReportDocument,
  SetConsentDocument,
  type ApplyRetentionMutation,
  type CertificateFragment,
  type ConsentItemFragment,
  type HoldFragment,
  type ResidencyReportQuery,
} from "../gql/graphql";
import { errorMessage, request } from "../api/client";
import { useI18n } from "../i18n/i18n";
import { useViewer } from "../session";
import { purposeLabel } from "../components/Consent";
import { useCatalogue } from "../api/catalogue";


function ErrorAlert({ error }: { error: string | null }) {
  const { t } = useI18n();
  if (!error) return null;
  return (
    <Alert color="red" role="alert">
      {t("error", { message: error })}
    </Alert>
  );
}

/**
 * An action's busy flag and error: run(fn) clears the error when fn succeeds and shows the
 * server's as it words it when not; then runs after a success, still busy. busy: false leaves
 * the flag alone (reads that no button waits on).
 */
function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = useCallback(async (fn: () => Promise<unknown>, opts: { busy?: boolean; then?: () => Promise<unknown> } = {}) => {
    const marks = opts.busy ?? true;
    if (marks) setBusy(true);
    try {
      await fn();
      setError(null);
      await opts.then?.();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      if (marks) setBusy(false);
    }
  }, []);
  return { busy, error, run };
}

function CustomerIdField({ value, onChange, required }: { value: string; onChange: (v: string) => void; required?: boolean }) {
  const { t } = useI18n();
  return <TextInput label={t("customerId")} required={required} value={value} onChange={(e) => onChange(e.currentTarget.value)} />;
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
  const { busy, error, run } = useAction();
  const [certificate, setCertificate] = useState<CertificateFragment | null>(null);
  const [listed, setListed] = useState<{ customerId: string; certificates: CertificateFragment[] } | null>(null);

  const id = customerId.trim();
  const named = id !== "" || (channel.trim() !== "" && externalId.trim() !== "");

  async function erase() {
    await run(async () => {
      const { eraseCustomer } = await request(EraseCustomerDocument, {
        customerId: id || null,
        channel: id ? null : channel.trim(),
        externalId: id ? null : externalId.trim(),
        reason: reason.trim(),
      });
      setCertificate(eraseCustomer);
    });
    setConfirming(false);
  }

  function listCertificates() {
    return run(
      async () => {
        const { erasureCertificates } = await request(ErasureCertificatesDocument, { customerId: id });
        setListed({ customerId: id, certificates: erasureCertificates });
      },
      { busy: false },
    );
  }

  function exportData() {
    return run(
      async () => {
        const { exportCustomerData } = await request(ExportCustomerDataDocument, { customerId: id });
      // A download from memory: the key never goes into a URL.
      const url = URL.createObjectURL(new Blob([exportCustomerData.json], { type: "application/json" }));
      const a = document.createElement("a");
      a.href = url;
      a.download = `meridian-export-${exportCustomerData.customerPseudonym}.json`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
      },
      { busy: false },
    );
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
          <CustomerIdField value={customerId} onChange={setCustomerId} />
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
  const { busy, error, run } = useAction();

  const load = useCallback(
    () =>
      run(
        async () => {
          const { legalHolds } = await request(LegalHoldsDocument, { region: region === everyRegion ? null : region, includeReleased });
          setHolds(legalHolds);
        },
        { busy: false },
      ),
    [run, region, includeReleased],
  );

  useEffect(() => {
    void load();
  }, [load]);

  const act = (fn: () => Promise<unknown>) => run(fn, { then: load });

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
          <CustomerIdField required value={customerId} onChange={setCustomerId} />
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
      {!holds && !error && <Loading />}
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
  const { busy, error, run } = useAction();
  const [report, setReport] = useState<Report | null>(null);

  async function apply() {
    await run(async () => {
      const { applyRetention } = await request(ApplyRetentionDocument);
      setReport(applyRetention);
    });
    setConfirming(false);
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
  const { error, run } = useAction();

  const load = useCallback(
    () =>
      run(
        async () => {
          const { residencyReport } = await request(ResidencyReportDocument, { region: null });
          setRegions(residencyReport);
        },
        { busy: false },
      ),
    [run],
  );

  useEffect(() => {
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
      {!regions && !error && <Loading />}
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

type ConsentsShown = { customerId: string; channels: string[]; consents: ConsentItemFragment[] };

/** A customer's consents per channel and purpose (consents), and an answer recorded (setConsent). */
export function Consents() {
  const { t, fmt } = useI18n();
  const [customerId, setCustomerId] = useState("");
  const [shown, setShown] = useState<ConsentsShown | null>(null);
  const [channel, setChannel] = useState<string | null>(null);
  const [catalogueError, setCatalogueError] = useState<string | null>(null);
  const catalogue = useCatalogue(setCatalogueError);
  const purposes = catalogue?.consentPurposes ?? [];
  // The server's first purpose until another is chosen.
  const [chosen, setPurpose] = useState<string | null>(null);
  const purpose = chosen ?? purposes[0] ?? null;
  const [granted, setGranted] = useState(true);
  const [recorded, setRecorded] = useState<ConsentItemFragment | null>(null);
  const { busy, error, run } = useAction();

  function show(id: string) {
    setShown(null);
    return run(async () => {
      const { customer, consents } = await request(ConsentCustomerDocument, { id });
      setShown({ customerId: id, channels: customer?.channels ?? [], consents });
      setChannel(customer?.channels[0] ?? null);
      setRecorded(null);
    });
  }

  function record(to: ConsentsShown, channel: string, purpose: string) {
    return run(async () => {
      const { setConsent } = await request(SetConsentDocument, { customerId: to.customerId, channel, purpose, granted });
      setRecorded(setConsent);
      const { consents } = await request(ConsentsDocument, { customerId: to.customerId });
      setShown({ ...to, consents });
    });
  }

  // The customer's channels first, then every other one: consent may be given for a channel
  // they have not written on yet.
  const channelData = shown
    ? [
        { group: t("consentCustomerChannels"), items: shown.channels },
        { group: t("consentOtherChannels"), items: (catalogue?.channels ?? []).map((c) => c.name).filter((c) => !shown.channels.includes(c)) },
      ].filter((g) => g.items.length > 0)
    : [];
  const answer = (c: ConsentItemFragment) => t(c.granted ? "consentGranted" : "consentRefused");

  return (
    <Stack gap="md">
      <Title order={3} size="h4">
        {t("tabConsents")}
      </Title>
      <Text size="sm" c="dimmed">
        {t("consentsHelp")}
      </Text>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const id = customerId.trim();
          if (id) void show(id);
        }}
      >
        <Group align="end">
          <CustomerIdField required value={customerId} onChange={setCustomerId} />
          <Button type="submit" loading={busy} disabled={!customerId.trim()}>
            {t("showConsents")}
          </Button>
        </Group>
      </form>
      <ErrorAlert error={error ?? catalogueError} />
      {shown && (
        <section aria-label={t("consentsOf", { id: shown.customerId })} data-testid="consents">
          <Title order={4} size="h5" mb="xs">
            {t("consentsOf", { id: shown.customerId })}
          </Title>
          {shown.consents.length === 0 ? (
            <Text c="dimmed">{t("noConsents")}</Text>
          ) : (
            <Table striped>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t("channel")}</Table.Th>
                  <Table.Th>{t("consentPurpose")}</Table.Th>
                  <Table.Th>{t("consentAnswer")}</Table.Th>
                  <Table.Th>{t("consentUpdatedAt")}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {shown.consents.map((c) => (
                  <Table.Tr key={`${c.channel}/${c.purpose}`} data-consent={`${c.channel}/${c.purpose}`} data-granted={c.granted} data-updated={c.updatedAt}>
                    <Table.Td>{c.channel}</Table.Td>
                    <Table.Td>{purposeLabel(t, c.purpose)}</Table.Td>
                    <Table.Td c={c.granted ? "teal.9" : "red.9"} fw={700}>
                      {answer(c)}
                    </Table.Td>
                    <Table.Td>{fmt.dateTime(c.updatedAt)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
          <form
            onSubmit={(e) => {
              e.preventDefault();
              if (channel && purpose) void record(shown, channel, purpose);
            }}
          >
            <Group align="end" mt="md">
              <Select label={t("channel")} w={200} value={channel} onChange={setChannel} data={channelData} allowDeselect={false} searchable />
              <Select
                label={t("consentPurpose")}
                w={160}
                value={purpose}
                onChange={(p) => p && setPurpose(p)}
                data={purposes.map((p) => ({ value: p, label: purposeLabel(t, p) }))}
                allowDeselect={false}
              />
              <Switch label={t("consentGrantedSwitch")} checked={granted} onChange={(e) => setGranted(e.currentTarget.checked)} mb={8} />
              <Button type="submit" loading={busy} disabled={!channel || !purpose}>
                {t("recordConsent")}
              </Button>
            </Group>
          </form>
          {recorded && (
            <Text role="status" mt="xs" data-testid="consent-recorded">
              {t("consentRecorded", { channel: recorded.channel, purpose: purposeLabel(t, recorded.purpose), answer: answer(recorded), at: fmt.dateTime(recorded.updatedAt) })}
            </Text>
          )}
        </section>
      )}
    </Stack>
  );
}
