// The conversations behind a figure: a metrics cell's filters and range given to the
// conversations query (its totalCount is the cell's conversations measure), listed 50 a page.
import { useCallback, useEffect, useRef, useState } from "react";
import { Anchor, Button, Card, Table, Title } from "@mantine/core";
import { DrillConversationsDocument, type DrillConversationsQuery } from "../gql/graphql";
import { request } from "../api/client";
import { useI18n } from "../i18n/i18n";
import { navigate } from "../router";

export type Filter = { dimension: string; op: string; values: string[] };

/** What a figure counts: the conversations query's filters and range, and its name. */
export type DrillTarget = Omit<Drill, "result">;

export type Drill = {
  what: string;
  filters: Filter[];
  from: string;
  to: string;
  result: DrillConversationsQuery["conversations"] | null;
};

/** The drill shown now and how to open one (after: the next page of the same). */
export function useConversationDrill(onError: (message: string) => void) {
  const [drill, setDrill] = useState<Drill | null>(null);
  const open = useCallback(
    async (d: DrillTarget, after: string | null = null) => {
      setDrill((old) => (after && old ? old : { ...d, result: null }));
      try {
        const { conversations } = await request(DrillConversationsDocument, { filters: d.filters, from: d.from, to: d.to, first: 50, after });
        setDrill((old) =>
          after && old?.result ? { ...old, result: { ...conversations, edges: [...old.result.edges, ...conversations.edges] } } : { ...d, result: conversations },
        );
      } catch (err) {
        onError(err instanceof Error ? err.message : String(err));
      }
    },
    [onError],
  );
  const close = useCallback(() => setDrill(null), []);
  return { drill, open, close };
}

export function ConversationDrill({ drill, open }: { drill: Drill; open: (d: DrillTarget, after: string | null) => Promise<void> }) {
  const { t, fmt } = useI18n();
  // A figure far down the page opens its list where the reader can see it.
  const el = useRef<HTMLDivElement>(null);
  const { what, from, to } = drill;
  useEffect(() => {
    // Braces: newer browsers return a promise, which React would take for a cleanup.
    void el.current?.scrollIntoView({ block: "nearest" });
  }, [what, from, to]);
  return (
    <Card withBorder data-testid="drill" ref={el}>
      <Title order={3} size="h5" mb="xs">
        {drill.result ? t("drillTitle", { count: fmt.number(drill.result.totalCount), what: drill.what }) : t("loading")}
      </Title>
      {drill.result && (
        <Table striped highlightOnHover>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t("colConversation")}</Table.Th>
              <Table.Th>{t("filterChannel")}</Table.Th>
              <Table.Th>{t("detectedLanguage")}</Table.Th>
              <Table.Th>{t("colMessages")}</Table.Th>
              <Table.Th>{t("filterStatus")}</Table.Th>
              <Table.Th>{t("colLastActivity")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {drill.result.edges.map(({ node: c }) => (
              <Table.Tr key={c.id}>
                <Table.Td>
                  <Anchor
                    href={`/conversations/${encodeURIComponent(c.id)}`}
                    onClick={(e) => {
                      e.preventDefault();
                      navigate(`/conversations/${encodeURIComponent(c.id)}`);
                    }}
                  >
                    {c.id}
                  </Anchor>
                </Table.Td>
                <Table.Td>{c.channel}</Table.Td>
                <Table.Td>{fmt.language(c.language)}</Table.Td>
                <Table.Td>{fmt.number(c.messageCount)}</Table.Td>
                <Table.Td>{t(`status_${c.status}`)}</Table.Td>
                <Table.Td>{fmt.dateTime(c.lastActivityAt)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {drill.result?.pageInfo.hasNextPage && (
        <Button variant="default" mt="xs" onClick={() => drill.result && void open(drill, drill.result.pageInfo.endCursor ?? null)}>
          {t("loadMore")}
        </Button>
      )}
    </Card>
  );
}
