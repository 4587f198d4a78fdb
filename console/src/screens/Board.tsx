import "../styles/conversation.css";
import { lazy, Suspense, useCallback, useEffect, useRef, useState } from "react";
import { Alert, Anchor, Badge, Card, Group, Select, SimpleGrid, Stack, Table, Text, Title } from "@mantine/core";
import { Loading } from "../components/Loading";
import { BoardChangesDocument, BoardDocument, type BoardQuery } from "../gql/graphql";
import { request, subscribe } from "../api/client";
import { useI18n } from "../i18n/i18n";
import { useViewer } from "../session";
import { navigate } from "../router";

const BoardChart = lazy(() => import("../components/BoardChart"));

type Board = BoardQuery["board"];

/** The supervisor's live board of one region: the engine's state, read again on every change. */
export default function BoardScreen() {
  const viewer = useViewer();
  const { t, fmt } = useI18n();
  const [region, setRegion] = useState<string | null>(viewer.regions[0] ?? null);
  const [board, setBoard] = useState<Board | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    if (!region) return;
    try {
      const { board } = await request(BoardDocument, { region });
      setBoard(board);
      setError(null);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  }, [region]);

  // Changes come in bursts: read at most once a second.
  const pending = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => {
    // A fetch whose answer sets state later, not a synchronous cascade.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    void load();
    const soon = () => {
      if (pending.current) return;
      pending.current = setTimeout(() => {
        pending.current = null;
        void load();
      }, 1000);
    };
    const stop = subscribe(BoardChangesDocument, {}, soon, undefined, soon);
    return () => {
      stop();
      if (pending.current) clearTimeout(pending.current);
      pending.current = null;
    };
  }, [load]);

  const drill = useCallback(
    (language: string, status: string) => {
      const q = new URLSearchParams({ scope: "all", language, status });
      if (region) q.set("region", region);
      navigate(`/inbox?${q}`);
    },
    [region],
  );

  const wait = (s: number | null) => (s == null ? "–" : fmt.duration(s * 1000));

  return (
    <Stack gap="md">
      <Group justify="space-between" align="end">
        <Title order={2} size="h3">
          {t("boardTitle")}
        </Title>
        <Group align="end">
          {board && (
            <Text size="sm" c="dimmed">
              {t("boardAsOf", { time: fmt.dateTime(board.at) })}
            </Text>
          )}
          <Select label={t("filterRegion")} w={140} value={region} onChange={setRegion} data={viewer.regions} allowDeselect={false} />
        </Group>
      </Group>
      {error && (
        <Alert color="red" role="alert">
          {t("error", { message: error })}
        </Alert>
      )}
      {!board && !error && <Loading />}
      {board && (
        <>
          <SimpleGrid cols={{ base: 2, sm: 3, lg: 6 }}>
            <Kpi label={t("boardWaiting")} value={fmt.number(board.waiting)} />
            <Kpi label={t("boardLongestWait")} value={wait(board.longestWaitSeconds ?? null)} />
            <Kpi label={t("boardBreached")} value={fmt.number(board.breached)} alert={board.breached > 0} />
            <Kpi label={t("boardAtRisk")} value={fmt.number(board.atRisk)} alert={board.atRisk > 0} />
            <Kpi label={t("boardAvailable")} value={fmt.number(board.available)} />
            <Kpi label={t("boardFreeSeats")} value={fmt.number(board.freeSeats)} />
          </SimpleGrid>
          {board.queues.length > 0 && (
            <Card withBorder>
              <Suspense fallback={<Loading size="sm" />}>
                <BoardChart queues={board.queues} onDrill={drill} />
              </Suspense>
            </Card>
          )}
          <Title order={3} size="h4">
            {t("boardQueues")}
          </Title>
          <Table striped highlightOnHover>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("boardQueue")}</Table.Th>
                <Table.Th>{t("boardWaiting")}</Table.Th>
                <Table.Th>{t("boardUrgent")}</Table.Th>
                <Table.Th>{t("boardLongestWait")}</Table.Th>
                <Table.Th>{t("boardAtRisk")}</Table.Th>
                <Table.Th>{t("boardBreached")}</Table.Th>
                <Table.Th>{t("boardAssigned")}</Table.Th>
                <Table.Th>{t("boardOnline")}</Table.Th>
                <Table.Th>{t("boardAvailable")}</Table.Th>
                <Table.Th>{t("boardFreeSeats")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {board.queues.map((q) => (
                <Table.Tr key={q.name}>
                  <Table.Td>
                    {fmt.language(q.language)} <Text span size="xs" c="dimmed">{q.name}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Drill n={q.waiting} label={`${t("boardWaiting")} · ${q.name}`} onClick={() => drill(q.language, "QUEUED")} />
                  </Table.Td>
                  <Table.Td>{fmt.number(q.urgent)}</Table.Td>
                  <Table.Td>{wait(q.longestWaitSeconds ?? null)}</Table.Td>
                  <Table.Td>{fmt.number(q.atRisk)}</Table.Td>
                  <Table.Td>{fmt.number(q.breached)}</Table.Td>
                  <Table.Td>
                    <Drill n={q.assigned} label={`${t("boardAssigned")} · ${q.name}`} onClick={() => drill(q.language, "ASSIGNED")} />
                  </Table.Td>
                  <Table.Td>
                    {fmt.number(q.online)} / {fmt.number(q.agents)}
                  </Table.Td>
                  <Table.Td>{fmt.number(q.available)}</Table.Td>
                  <Table.Td>{fmt.number(q.freeSeats)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <Title order={3} size="h4">
            {t("boardAgents")}
          </Title>
          <Table striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("boardAgent")}</Table.Th>
                <Table.Th>{t("boardPresence")}</Table.Th>
                <Table.Th>{t("boardOnShift")}</Table.Th>
                <Table.Th>{t("boardLoad")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {board.agents.map((a) => (
                <Table.Tr key={a.agent.id}>
                  <Table.Td>
                    {a.agent.name}{" "}
                    <Text span size="xs" c="dimmed">
                      {a.agent.languages.join(", ")}
                      {a.agent.team ? ` · ${a.agent.team}` : ""}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Badge variant="dot" color={a.agent.presence === "ONLINE" ? "teal" : a.agent.presence === "AWAY" ? "orange" : "gray"}>
                      {t(`presence_${a.agent.presence}`)}
                    </Badge>
                  </Table.Td>
                  <Table.Td>{a.onShift ? t("yes") : t("no")}</Table.Td>
                  <Table.Td>
                    {fmt.number(a.load)} / {fmt.number(a.seats)} {a.full && <Badge size="xs" color="red.9">{t("full")}</Badge>}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </>
      )}
    </Stack>
  );
}

/** A count that opens the inbox on the conversations behind it. */
function Drill({ n, label, onClick }: { n: number; label: string; onClick: () => void }) {
  const { fmt } = useI18n();
  if (n === 0) return <>{fmt.number(0)}</>;
  return (
    <Anchor
      component="button"
      type="button"
      aria-label={`${label}: ${fmt.number(n)}`}
      onClick={onClick}
    >
      {fmt.number(n)}
    </Anchor>
  );
}

function Kpi({ label, value, alert }: { label: string; value: string; alert?: boolean }) {
  return (
    <Card withBorder padding="sm">
      <Text size="xs" c="dimmed" fw={700}>
        {label}
      </Text>
      <Text size="xl" fw={700} c={alert ? "red.9" : undefined}>
        {value}
      </Text>
    </Card>
  );
}
