import "../styles/conversation.css";
import { lazy, Suspense, useCallback, useEffect, useRef, useState } from "react";
import { Alert, Anchor, Badge, Button, Card, Grid, Group, Paper, SegmentedControl, Stack, Tabs, Text, Textarea, TextInput, Title } from "@mantine/core";
import { Loading } from "../components/Loading";
import {
  AddNoteDocument,
  EscalateDocument,
  SnoozeDocument,
  ConversationChangedDocument,
  ConversationMessagesDocument,
  ConversationViewDocument,
  ConversationDraftDocument,
  ResolveDocument,
  SendReplyDocument,
  TransferDocument,
  type ConversationViewQuery,
  type ConversationDraftQuery,
} from "../gql/graphql";
import { request, subscribe } from "../api/client";
import { useI18n } from "../i18n/i18n";
import { useViewer } from "../session";
import { navigate } from "../router";
import { ChannelIcon } from "../components/ChannelIcon";
import { SlaTimer } from "../components/SlaTimer";
import { PriorityBadge } from "../components/PriorityBadge";
import { CultureHelp } from "../components/CultureHelp";
import { CustomerPanel, QuotedOrders } from "../components/CustomerPanel";
import { consentControlId, refusedForConsent } from "../components/Consent";

const SentimentChart = lazy(() => import("../components/SentimentChart"));

type Conv = NonNullable<ConversationViewQuery["conversation"]>;
type Msg = Conv["messages"][number];
type EngineState = Pick<Conv, "status" | "assignee" | "priority" | "sla" | "queue">;
type Draft = NonNullable<NonNullable<ConversationDraftQuery["conversation"]>["draft"]>;

export default function Conversation({ id }: { id: string }) {
  const viewer = useViewer();
  const { t, locale } = useI18n();
  // Messages are shown beside their translation into the agent's first language, else the
  // interface's.
  const to = viewer.agent?.languages[0] ?? locale;
  const [read, setConv] = useState<Conv | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [pushed, setPushed] = useState<Msg[]>([]);
  // The engine's state as the last push or action answered it: a read can lag behind it (the
  // status is read from stored lifecycle events), so it stands until a read agrees.
  const [state, setState] = useState<EngineState | null>(null);
  const [reply, setReply] = useState("");
  // The AI's attempted answer to the latest customer message, for keys that may ask for one.
  const [draft, setDraft] = useState<Draft | null>(null);
  const mayDraft = viewer.can.includes("answer");
  const mayReadCustomers = viewer.can.includes("read_customers");
  const mayConsent = viewer.can.includes("consent");
  useEffect(() => {
    if (!mayDraft) return;
    let live = true;
    request(ConversationDraftDocument, { id })
      .then(({ conversation }) => live && setDraft(conversation?.draft ?? null))
      .catch(() => live && setDraft(null));
    return () => {
      live = false;
    };
  }, [id, mayDraft, pushed.length]);

  const load = useCallback(async () => {
    try {
      let { conversation } = await request(ConversationViewDocument, { id, to });
      // A conversation that just entered the inbox (the engine's state) may not be stored
      // for reading yet: read again for a few seconds before saying there is none.
      for (let wait = 200; conversation === null && wait <= 3200; wait *= 2) {
        await new Promise((r) => setTimeout(r, wait));
        ({ conversation } = await request(ConversationViewDocument, { id, to }));
      }
      setConv(conversation);
      setState((st) => (st && conversation && conversation.status === st.status ? null : st));
      setError(null);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  }, [id, to]);

  // The server knows the state: any change to this conversation reads it again (coalesced).
  const pending = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => {
    // A fetch whose answer sets state later, not a synchronous cascade.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    void load();
    const again = () => {
      if (pending.current) clearTimeout(pending.current);
      pending.current = setTimeout(() => void load(), 150);
    };
    // A message is shown as pushed, at once; the read that follows adds its translation
    // once the message is stored (the push can come before that).
    const stopMsgs = subscribe(ConversationMessagesDocument, { id }, ({ messageAdded: m }) => {
      setPushed((old) => (old.some((o) => o.id === m.id) ? old : [...old, { ...m, translation: null }]));
      again();
    }, undefined, again);
    const stopConv = subscribe(ConversationChangedDocument, { id }, ({ conversationUpdated: c }) => {
      setState({ status: c.status, assignee: c.assignee, priority: c.priority, sla: c.sla, queue: c.queue });
      again();
    }, undefined, again);
    return () => {
      stopMsgs();
      stopConv();
      if (pending.current) clearTimeout(pending.current);
    };
  }, [id, load]);

  async function act(fn: () => Promise<unknown>, done: string) {
    setNotice(null);
    try {
      await fn();
      setNotice(done);
      setError(null);
      await load();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  }

  if (read === undefined && !error) return <Loading />;
  if (read === null) return <Text>{t("conversationNotFound", { id })}</Text>;
  const conv = read && state ? { ...read, ...state } : read;

  return (
    <Stack gap="sm">
      <Anchor
        href="/inbox"
        onClick={(e) => {
          e.preventDefault();
          navigate("/inbox");
        }}
      >
        {t("backToInbox")}
      </Anchor>
      {error && (
        <Alert color="red" role="alert">
          {t("error", { message: error })}
          {conv && refusedForConsent(error) && (
            // A reply outside the conversation's window needs the customer's consent: the
            // customer panel records it, when this key may.
            <ConsentPointer channel={conv.channel} canRecord={mayReadCustomers && mayConsent && !!conv.customerId} />
          )}
        </Alert>
      )}
      {notice && (
        <Alert color="green" role="status">
          {notice}
        </Alert>
      )}
      {conv && (
        <>
          <Group justify="space-between">
            <Group gap="sm">
              <ChannelIcon channel={conv.channel} size={24} />
              <Title order={2} size="h3">
                {conv.customerId || t("customer")}
              </Title>
              <Badge variant="outline">{conv.language}</Badge>
              {conv.tier && (
                <Badge variant="outline" color="grape" data-testid="tier">
                  {t("tierBadge", { tier: conv.tier })}
                </Badge>
              )}
              <Badge variant="light" data-testid="status">
                {t(`status_${conv.status}`)}
              </Badge>
              <PriorityBadge priority={conv.priority} />
              <SlaTimer sla={conv.sla} status={conv.status} />
            </Group>
            <Text size="sm" c="dimmed">
              {conv.assignee ? t("assignedTo", { name: conv.assignee.name }) : t("unassigned")} · {conv.region} · {conv.id}
            </Text>
          </Group>
          <Grid>
            <Grid.Col span={{ base: 12, md: 8 }}>
              <Stack gap="xs" data-testid="messages">
                <Grid gap="xs">
                  <Grid.Col span={6}>
                    <Text size="xs" fw={700} c="dimmed">
                      {t("original")}
                    </Text>
                  </Grid.Col>
                  <Grid.Col span={6}>
                    <Text size="xs" fw={700} c="dimmed">
                      {t("translation", { lang: to })}
                    </Text>
                  </Grid.Col>
                </Grid>
                {merge(conv.messages, pushed).map((m) => (
                  <MessageRow key={m.id} m={m} />
                ))}
              </Stack>
            </Grid.Col>
            <Grid.Col span={{ base: 12, md: 4 }}>
              <Stack gap="sm">
                {conv.summary && (
                  <Card withBorder>
                    <Text size="xs" fw={700} c="dimmed">
                      {t("summary")}
                    </Text>
                    <Text size="sm">{conv.summary}</Text>
                  </Card>
                )}
                {draft && (
                  <Card withBorder data-testid="ai-draft">
                    <Text size="xs" fw={700} c="dimmed">
                      {t("aiDraft")}
                    </Text>
                    <Text size="sm" lang={draft.language} dir="auto" style={{ whiteSpace: "pre-wrap" }}>
                      {draft.text}
                    </Text>
                    {draft.source && (
                      <Text size="xs" c="dimmed">
                        {t("draftSource", { title: `${draft.source.title} (${draft.source.articleId})` })}
                      </Text>
                    )}
                    {draft.handover && (
                      <Text size="xs" c="dimmed">
                        {t("draftNotSent", { reason: draft.reason })}
                      </Text>
                    )}
                    <Button size="xs" variant="light" mt="xs" onClick={() => setReply(draft.text)}>
                      {t("useDraft")}
                    </Button>
                  </Card>
                )}
                {mayReadCustomers && <QuotedOrders id={conv.id} messages={pushed.length} />}
                {mayReadCustomers && conv.customerId && <CustomerPanel customerId={conv.customerId} current={conv.id} />}
                {conv.sentimentTrend && conv.sentimentTrend.scores.length > 1 && (
                  <Card withBorder>
                    <Text size="xs" fw={700} c="dimmed">
                      {t("sentimentTrend")}
                    </Text>
                    <Suspense fallback={<Loading size="sm" />}>
                      <SentimentChart scores={conv.sentimentTrend.scores} />
                    </Suspense>
                  </Card>
                )}
              </Stack>
            </Grid.Col>
          </Grid>
          {conv.status !== "RESOLVED" && <Actions conv={conv} act={act} reply={reply} setReply={setReply} onState={(st) => setState((old) => ({ ...(old ?? {}), ...st }) as EngineState)} />}
        </>
      )}
    </Stack>
  );
}

/** Says where the customer's consent is recorded, with a button that moves focus to that switch. */
function ConsentPointer({ channel, canRecord }: { channel: string; canRecord: boolean }) {
  const { t } = useI18n();
  if (!canRecord) return <Text size="sm">{t("noConsentAsk", { channel })}</Text>;
  return (
    <Group gap="xs" mt={4}>
      <Text size="sm">{t("noConsentHint", { channel })}</Text>
      <Button
        size="xs"
        variant="white"
        color="red.9"
        data-testid="go-to-consent"
        onClick={() => {
          const el = document.getElementById(consentControlId(channel, "service")) ?? document.getElementById("consent-heading");
          el?.scrollIntoView({ block: "center" });
          el?.focus();
        }}
      >
        {t("consentGoTo", { channel })}
      </Button>
    </Group>
  );
}

/**
 * An idempotency key for a reply: 128 random bits. crypto.randomUUID exists only in secure
 * contexts, and a console on a LAN address over plain HTTP is not one.
 */
function messageId(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

/** The messages read, with those pushed since that the read did not have yet, oldest first. */
function merge(read: Msg[], pushed: Msg[]): Msg[] {
  const ids = new Set(read.map((m) => m.id));
  const extra = pushed.filter((m) => !ids.has(m.id));
  if (extra.length === 0) return read;
  return [...read, ...extra].sort((a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt));
}

function MessageRow({ m }: { m: Msg }) {
  const { t, fmt } = useI18n();
  const inbound = m.direction === "inbound";
  const a = m.analysis;
  return (
    <Paper withBorder p="xs" bg={inbound ? undefined : "var(--mantine-color-indigo-0)"} data-direction={m.direction}>
      <Group gap="xs" mb={4}>
        <Text size="xs" fw={700}>
          {inbound ? t("inbound") : t("outbound")}
        </Text>
        <Text size="xs" c="dimmed">
          {fmt.dateTime(m.occurredAt)}
        </Text>
        {a && (
          <>
            <Badge size="xs" variant="outline" title={t("detectedLanguage")}>
              {a.language}
            </Badge>
            <Badge size="xs" variant="dot" color={a.sentiment < -0.2 ? "red" : a.sentiment > 0.2 ? "green" : "gray"}>
              {t("sentiment")}: {fmt.number(a.sentiment, { maximumFractionDigits: 2, signDisplay: "exceptZero" })}
            </Badge>
            <Badge size="xs" variant="dot" color={a.urgency === "CRITICAL" || a.urgency === "HIGH" ? "red" : "gray"}>
              {t("urgency")}: {a.urgency}
            </Badge>
          </>
        )}
      </Group>
      <Grid gap="xs">
        <Grid.Col span={6}>
          <Text size="sm" lang={m.language || undefined} dir="auto" style={{ whiteSpace: "pre-wrap" }} data-testid="original">
            {m.text}
          </Text>
        </Grid.Col>
        <Grid.Col span={6}>
          {m.translation && !m.translation.note ? (
            <Text size="sm" lang={m.translation.to} dir="auto" style={{ whiteSpace: "pre-wrap" }} title={m.translation.provider} data-testid="translation">
              {m.translation.text}
            </Text>
          ) : (
            // No translation: the message is in that language already, the role may not read
            // it in the clear, or the provider failed or is not configured (the server's note).
            <Text size="sm" c="dimmed" title={m.translation?.note ?? undefined}>
              {t("noTranslation")}
            </Text>
          )}
        </Grid.Col>
      </Grid>
    </Paper>
  );
}

function Actions({
  conv,
  act,
  reply,
  setReply,
  onState,
}: {
  conv: Conv;
  act: (fn: () => Promise<unknown>, done: string) => Promise<void>;
  reply: string;
  setReply: (text: string) => void;
  onState: (s: Partial<EngineState>) => void;
}) {
  const { t } = useI18n();
  const mayAdapt = useViewer().can.includes("understand");
  const [note, setNote] = useState("");
  const [kind, setKind] = useState<"agentId" | "team" | "region" | "queue">("queue");
  const [target, setTarget] = useState("");
  const [reason, setReason] = useState("");
  const [until, setUntil] = useState("");

  return (
    <Tabs defaultValue="reply" keepMounted={false}>
      <Tabs.List>
        <Tabs.Tab value="reply">{t("reply")}</Tabs.Tab>
        <Tabs.Tab value="note">{t("note")}</Tabs.Tab>
        <Tabs.Tab value="transfer">{t("transfer")}</Tabs.Tab>
        <Tabs.Tab value="escalate">{t("escalate")}</Tabs.Tab>
        {conv.status === "ASSIGNED" && <Tabs.Tab value="snooze">{t("snooze")}</Tabs.Tab>}
      </Tabs.List>
      <Tabs.Panel value="reply" pt="sm">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            const text = reply.trim();
            if (!text) return;
            void act(async () => {
              const { sendMessage } = await request(SendReplyDocument, {
                input: { conversationId: conv.id, text, clientMessageId: messageId() },
              });
              if (sendMessage.state === "failed") throw new Error(sendMessage.reason ?? "failed");
              setReply("");
            }, t("sent", { state: "✓" }));
          }}
        >
          <Stack gap="xs">
            <CultureHelp id={conv.id} reply={reply} setReply={setReply} mayAdapt={mayAdapt} />
            <Textarea label={t("reply")} placeholder={t("replyPlaceholder")} value={reply} onChange={(e) => setReply(e.currentTarget.value)} autosize minRows={2} />
            <Group justify="space-between">
              <Button type="submit">{t("send")}</Button>
              <Button
                color="teal.9"
                onClick={() =>
                  void act(async () => {
                    const { resolveConversation: c } = await request(ResolveDocument, { id: conv.id });
                    onState({ status: c.status });
                  }, t("resolved"))
                }
              >
                {t("resolve")}
              </Button>
            </Group>
          </Stack>
        </form>
      </Tabs.Panel>
      <Tabs.Panel value="note" pt="sm">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            const text = note.trim();
            if (!text) return;
            void act(async () => {
              await request(AddNoteDocument, { id: conv.id, text });
              setNote("");
            }, t("noteAdded"));
          }}
        >
          <Stack gap="xs">
            <Textarea label={t("note")} placeholder={t("notePlaceholder")} value={note} onChange={(e) => setNote(e.currentTarget.value)} autosize minRows={2} />
            <Button type="submit" variant="default" w="fit-content">
              {t("addNote")}
            </Button>
          </Stack>
        </form>
      </Tabs.Panel>
      <Tabs.Panel value="transfer" pt="sm">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            const v = target.trim();
            if (kind !== "queue" && !v) return;
            void act(async () => {
              const { transferConversation: c } = await request(TransferDocument, { id: conv.id, ...(kind === "queue" ? {} : { [kind]: v }) });
              onState({ status: c.status, assignee: c.assignee });
            }, t("transferred"));
          }}
        >
          <Stack gap="xs">
            <SegmentedControl
              aria-label={t("transferTo")}
              value={kind}
              onChange={(v) => setKind(v as typeof kind)}
              data={[
                { value: "queue", label: t("transferQueue") },
                { value: "agentId", label: t("transferAgent") },
                { value: "team", label: t("transferTeam") },
                { value: "region", label: t("transferRegion") },
              ]}
            />
            {kind !== "queue" && (
              <TextInput label={t(kind === "agentId" ? "transferAgent" : kind === "team" ? "transferTeam" : "transferRegion")} value={target} onChange={(e) => setTarget(e.currentTarget.value)} />
            )}
            <Button type="submit" variant="default" w="fit-content">
              {t("transfer")}
            </Button>
          </Stack>
        </form>
      </Tabs.Panel>
      <Tabs.Panel value="escalate" pt="sm">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            const r = reason.trim();
            if (!r) return;
            void act(async () => {
              const { escalateConversation: c } = await request(EscalateDocument, { id: conv.id, reason: r });
              onState({ status: c.status, priority: c.priority });
              setReason("");
            }, t("escalated"));
          }}
        >
          <Stack gap="xs">
            <TextInput label={t("escalateReason")} value={reason} onChange={(e) => setReason(e.currentTarget.value)} required />
            <Button type="submit" color="red.9" w="fit-content">
              {t("escalate")}
            </Button>
          </Stack>
        </form>
      </Tabs.Panel>
      <Tabs.Panel value="snooze" pt="sm">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            const at = new Date(until);
            if (!until || Number.isNaN(at.getTime())) return;
            void act(async () => {
              const { snoozeConversation: c } = await request(SnoozeDocument, { id: conv.id, until: at.toISOString() });
              onState({ status: c.status });
            }, t("snoozed"));
          }}
        >
          <Stack gap="xs">
            <TextInput type="datetime-local" label={t("snoozeUntil")} value={until} onChange={(e) => setUntil(e.currentTarget.value)} required w={260} />
            <Button type="submit" variant="default" w="fit-content">
              {t("snooze")}
            </Button>
          </Stack>
        </form>
      </Tabs.Panel>
    </Tabs>
  );
}

