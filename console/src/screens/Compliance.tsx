import "../styles/conversation.css";
import { useCallback, useEffect, useState, type ComponentType } from "react";
import { Alert, Button, Code, Group, Select, Stack, Table, Tabs, Text, TextInput, Title } from "@mantine/core";
import { Loading } from "../components/Loading";
import { AuditLogDocument, VerifyAuditLogDocument, type AuditLogQuery, type VerifyAuditLogQuery } from "../gql/graphql";
import { request } from "../api/client";
import { useI18n } from "../i18n/i18n";
import type { MessageKey } from "../i18n/en";
import { useViewer } from "../session";
import { Consents, Erasure, LegalHolds, Residency, Retention } from "./ComplianceActions";

type Entries = AuditLogQuery["auditLog"];
type Verification = VerifyAuditLogQuery["verifyAuditLog"];

/** The screen's tabs, in order. */
const tabs: { value: string; label: MessageKey; Panel: ComponentType }[] = [
  { value: "audit", label: "auditLog", Panel: AuditTrail },
  { value: "erasure", label: "tabErasure", Panel: Erasure },
  { value: "holds", label: "tabLegalHolds", Panel: LegalHolds },
  { value: "retention", label: "tabRetention", Panel: Retention },
  { value: "residency", label: "tabResidency", Panel: Residency },
  { value: "consents", label: "tabConsents", Panel: Consents },
];

/** The compliance screen: the audit trail, erasure, legal holds, retention, residency and consents, one tab each. */
export default function Compliance() {
  const { t } = useI18n();
  return (
    <Stack gap="md">
      <Title order={2} size="h3">
        {t("complianceTitle")}
      </Title>
      <Tabs defaultValue="audit" keepMounted={false}>
        <Tabs.List>
          {tabs.map(({ value, label }) => (
            <Tabs.Tab key={value} value={value}>
              {t(label)}
            </Tabs.Tab>
          ))}
        </Tabs.List>
        {tabs.map(({ value, Panel }) => (
          <Tabs.Panel key={value} value={value} pt="md">
            <Panel />
          </Tabs.Panel>
        ))}
      </Tabs>
    </Stack>
  );
}

/** A region's audit trail (auditLog) and, on request, the verification of its hash chain (verifyAuditLog, itself audited). */
function AuditTrail() {
  const viewer = useViewer();
  const { t, fmt } = useI18n();
  const [region, setRegion] = useState<string | null>(viewer.regions[0] ?? null);
  const [subject, setSubject] = useState("");
  const [action, setAction] = useState("");
  const [applied, setApplied] = useState({ subject: "", action: "" });
  const [log, setLog] = useState<Entries | null>(null);
  const [verification, setVerification] = useState<Verification | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(
    async (after: string | null) => {
      if (!region) return;
      try {
        const { auditLog } = await request(AuditLogDocument, {
          region,
          first: 100,
          after,
          subject: applied.subject || null,
          action: applied.action || null,
        });
        setLog((old) => (after && old ? { ...auditLog, edges: [...old.edges, ...auditLog.edges] } : auditLog));
        setError(null);
      } catch (err) {
        setError(err instanceof Error ? err.message : String(err));
      }
    },
    [region, applied],
  );

  useEffect(() => {
    // A fetch whose answer sets state later, not a synchronous cascade.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    void load(null);
  }, [load]);

  async function verify() {
    setBusy(true);
    try {
      const { verifyAuditLog } = await request(VerifyAuditLogDocument, { region });
      setVerification(verifyAuditLog);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Stack gap="md">
      <Group justify="space-between" align="end">
        <Title order={3} size="h4">
          {t("auditLog")}
        </Title>
        <Select
          label={t("filterRegion")}
          w={140}
          value={region}
          onChange={(r) => {
            setRegion(r);
            setVerification(null);
          }}
          data={viewer.regions}
          allowDeselect={false}
        />
      </Group>
      {error && (
        <Alert color="red" role="alert">
          {t("error", { message: error })}
        </Alert>
      )}
      <Group>
        <Button onClick={() => void verify()} loading={busy}>
          {t("verify")}
        </Button>
        {verification && (
          <Text role="status" fw={700} c={verification.valid ? "teal.9" : "red.9"} data-testid="verification">
            {verification.valid
              ? t("verifyValid", { entries: fmt.number(verification.entries) })
              : t("verifyInvalid", { seq: String(verification.firstInvalidEntry ?? "?"), reason: verification.reason ?? "" })}
          </Text>
        )}
      </Group>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setApplied({ subject: subject.trim(), action: action.trim() });
        }}
      >
        <Group align="end">
          <TextInput label={t("filterSubject")} value={subject} onChange={(e) => setSubject(e.currentTarget.value)} />
          <TextInput label={t("filterAction")} value={action} onChange={(e) => setAction(e.currentTarget.value)} />
          <Button type="submit" variant="default">
            {t("apply")}
          </Button>
        </Group>
      </form>
      {!log && !error && <Loading />}
      {log && log.edges.length === 0 && <Text c="dimmed">{t("noEntries")}</Text>}
      {log && log.edges.length > 0 && (
        <Table striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t("colSeq")}</Table.Th>
              <Table.Th>{t("colAt")}</Table.Th>
              <Table.Th>{t("colRole")}</Table.Th>
              <Table.Th>{t("colAction")}</Table.Th>
              <Table.Th>{t("colSubject")}</Table.Th>
              <Table.Th>{t("colOutcome")}</Table.Th>
              <Table.Th>{t("colKey")}</Table.Th>
              <Table.Th>{t("colHash")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {log.edges.map(({ node: e }) => (
              <Table.Tr key={e.seq}>
                <Table.Td>{fmt.number(e.seq)}</Table.Td>
                <Table.Td>{fmt.dateTime(e.at)}</Table.Td>
                <Table.Td>{e.role}</Table.Td>
                <Table.Td>{e.action}</Table.Td>
                <Table.Td>{e.subject}</Table.Td>
                <Table.Td>{e.outcome}</Table.Td>
                <Table.Td>
                  <Code title={e.keyId}>{e.keyId.slice(0, 8)}</Code>
                </Table.Td>
                <Table.Td>
                  <Code title={e.hash}>{e.hash.slice(0, 12)}</Code>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {log?.pageInfo.hasNextPage && (
        <Button variant="default" onClick={() => void load(log.pageInfo.endCursor ?? null)}>
          {t("loadMore")}
        </Button>
      )}
    </Stack>
  );
}
