import { useEffect, useState } from "react";
import { Alert, Anchor, Badge, Card, Group, Stack, Switch, Table, Text } from "@mantine/core";
import { Loading } from "./Loading";
import {
  ConsentsDocument,
  ConversationOrdersDocument,
  CustomerOrdersDocument,
  CustomerPanelDocument,
  SetConsentDocument,
  type ConsentItemFragment,
  type CustomerPanelQuery,
  type OrderItemFragment,
} from "../gql/graphql";
import { errorMessage, request } from "../api/client";
import { useI18n } from "../i18n/i18n";
import type { MessageKey } from "../i18n/en";
import { navigate } from "../router";
import { useViewer } from "../session";
import { consentControlId, purposeLabel } from "./Consent";
import { useCatalogue } from "../api/catalogue";
import { ChannelIcon } from "./ChannelIcon";
import { OrdersList } from "./OrdersList";

const statuses = ["queued", "assigned", "bot", "pending", "snoozed", "resolved"];

type Customer = NonNullable<CustomerPanelQuery["customer"]>;

/** Orders read apart from the rest (null: no shop is connected): a shop that fails says so here, and only here. */
function useOrders(load: () => Promise<OrderItemFragment[] | null>, deps: unknown[]) {
  const [orders, setOrders] = useState<OrderItemFragment[] | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    load()
      .then((os) => {
        if (!live) return;
        setOrders(os);
        setError(null);
      })
      .catch((err: unknown) => live && setError(errorMessage(err)));
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  return { orders, error };
}

function OrdersBody({ orders, error }: { orders: OrderItemFragment[] | null | undefined; error: string | null }) {
  const { t } = useI18n();
  if (error)
    return (
      <Alert color="orange" p="xs" role="alert" data-testid="orders-error">
        {t("ordersFailed", { message: error })}
      </Alert>
    );
  if (orders === undefined) return <Loading size="sm" />;
  if (orders === null)
    return (
      <Text size="sm" c="dimmed">
        {t("noShop")}
      </Text>
    );
  return <OrdersList orders={orders} />;
}

/** The orders the customer quoted in this conversation, as the shop has them now. */
export function QuotedOrders({ id, messages }: { id: string; messages: number }) {
  const { t } = useI18n();
  // Read again when a message arrives: it may quote another number.
  const { orders, error } = useOrders(async () => (await request(ConversationOrdersDocument, { id })).conversation?.orders ?? null, [id, messages]);
  if (orders === null && !error) return null; // no shop connected
  return (
    <Card withBorder data-testid="quoted-orders">
      <Text size="xs" fw={700} c="dimmed" mb={4}>
        {t("quotedOrders")}
      </Text>
      <OrdersBody orders={orders} error={error} />
    </Card>
  );
}

/**
 * The customer's consent to messages outside the conversation, per channel they wrote on and
 * purpose (consents): each a switch that records their answer (setConsent), so that an agent can
 * note "they agreed to be contacted on WhatsApp" while talking to them.
 */
function ConsentSwitches({ customerId, channels }: { customerId: string; channels: string[] }) {
  const { t, fmt } = useI18n();
  const [consents, setConsents] = useState<ConsentItemFragment[] | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const purposes = useCatalogue(setError)?.consentPurposes;
  useEffect(() => {
    let live = true;
    request(ConsentsDocument, { customerId })
      .then(({ consents }) => live && setConsents(consents))
      .catch((err: unknown) => live && setError(errorMessage(err)));
    return () => {
      live = false;
    };
  }, [customerId]);

  async function record(channel: string, purpose: string, granted: boolean) {
    setBusy(consentControlId(channel, purpose));
    try {
      const { setConsent: c } = await request(SetConsentDocument, { customerId, channel, purpose, granted });
      setConsents((old) => [...(old ?? []).filter((o) => o.channel !== c.channel || o.purpose !== c.purpose), c]);
      setError(null);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(null);
    }
  }

  return (
    <>
      <Text size="xs" fw={700} c="dimmed" id="consent-heading">
        {t("consentsPanel")}
      </Text>
      {error && (
        <Alert color="red" p="xs" role="alert">
          {t("error", { message: error })}
        </Alert>
      )}
      {(consents === undefined || !purposes) && !error && <Loading size="sm" />}
      {consents && purposes && (
        <Table fz="xs" verticalSpacing={4} data-testid="consents" aria-labelledby="consent-heading">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t("channel")}</Table.Th>
              {purposes.map((p) => (
                <Table.Th key={p}>{purposeLabel(t, p)}</Table.Th>
              ))}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {channels.map((ch) => (
              <Table.Tr key={ch}>
                <Table.Td>
                  <Group gap={4} wrap="nowrap">
                    <ChannelIcon channel={ch} size={14} />
                    {ch}
                  </Group>
                </Table.Td>
                {purposes.map((p) => {
                  const c = consents.find((o) => o.channel === ch && o.purpose === p);
                  const id = consentControlId(ch, p);
                  return (
                    <Table.Td key={p} data-consent={`${ch}/${p}`} data-granted={c?.granted ?? "none"}>
                      <Switch
                        id={id}
                        size="xs"
                        checked={c?.granted ?? false}
                        disabled={busy !== null}
                        aria-label={t("consentSwitchLabel", { purpose: purposeLabel(t, p), channel: ch })}
                        onChange={(e) => void record(ch, p, e.currentTarget.checked)}
                      />
                      <Text size="xs" c="dimmed">
                        {c ? t("consentAnswerAt", { answer: t(c.granted ? "consentGranted" : "consentRefused"), at: fmt.dateTime(c.updatedAt) }) : t("consentNotRecorded")}
                      </Text>
                    </Table.Td>
                  );
                })}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </>
  );
}

/** The customer across channels: identities (as the compliance gate shows them to this key), channels, earlier conversations, recent orders. */
export function CustomerPanel({ customerId, current }: { customerId: string; current: string }) {
  const { t, fmt } = useI18n();
  const mayConsent = useViewer().can.includes("consent");
  const [customer, setCustomer] = useState<Customer | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    request(CustomerPanelDocument, { id: customerId })
      .then(({ customer }) => live && setCustomer(customer))
      .catch((err: unknown) => live && setError(errorMessage(err)));
    return () => {
      live = false;
    };
  }, [customerId]);
  const { orders, error: ordersError } = useOrders(async () => (await request(CustomerOrdersDocument, { id: customerId })).customer?.orders ?? null, [customerId]);

  return (
    <Card withBorder data-testid="customer-panel" component="section" aria-label={t("customerPanel")}>
      <Text size="xs" fw={700} c="dimmed" mb={4}>
        {t("customerPanel")}
      </Text>
      {error && (
        <Alert color="red" p="xs" role="alert">
          {t("error", { message: error })}
        </Alert>
      )}
      {customer === undefined && !error && <Loading size="sm" />}
      {customer === null && (
        <Text size="sm" c="dimmed">
          {t("customerUnknown")}
        </Text>
      )}
      {customer && (
        <Stack gap="xs">
          <Text size="sm">
            {customer.country} · {customer.region}
          </Text>
          <Group gap={6} aria-label={t("customerChannels")}>
            {customer.channels.map((c) => (
              <Badge key={c} size="sm" variant={c === customer.preferredChannel ? "filled" : "outline"} leftSection={<ChannelIcon channel={c} size={12} />}>
                {c}
              </Badge>
            ))}
          </Group>
          {customer.preferredChannel && (
            <Text size="xs" c="dimmed" data-testid="preferred-channel">
              {t("preferredChannel", { channel: customer.preferredChannel })}
            </Text>
          )}
          {mayConsent && <ConsentSwitches customerId={customer.id} channels={customer.channels} />}
          <Table fz="xs" verticalSpacing={2} data-testid="identities">
            <Table.Caption style={{ captionSide: "top", textAlign: "start" }}>{t("identities")}</Table.Caption>
            <Table.Tbody>
              {customer.identities.map((id, i) => (
                <Table.Tr key={i} data-kind={id.kind}>
                  <Table.Td>{id.kind}</Table.Td>
                  <Table.Td data-testid="identity-value" style={{ wordBreak: "break-all" }}>
                    {id.value}
                  </Table.Td>
                  <Table.Td c="dimmed">{t(`origin_${id.origin}` as MessageKey)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <Text size="xs" fw={700} c="dimmed">
            {t("earlierConversations")}
          </Text>
          {customer.conversations.filter((c) => c.id !== current).length === 0 ? (
            <Text size="sm" c="dimmed">
              {t("noEarlierConversations")}
            </Text>
          ) : (
            <Stack gap={2} data-testid="earlier-conversations">
              {customer.conversations
                .filter((c) => c.id !== current)
                .map((c) => (
                  <Group key={c.id} gap={6} wrap="nowrap">
                    <ChannelIcon channel={c.channel} size={14} />
                    <Anchor
                      size="sm"
                      href={`/conversations/${encodeURIComponent(c.id)}`}
                      onClick={(e) => {
                        e.preventDefault();
                        navigate(`/conversations/${encodeURIComponent(c.id)}`);
                      }}
                    >
                      {fmt.dateTime(c.openedAt)}
                    </Anchor>
                    <Text size="xs" c="dimmed">
                      {statuses.includes(c.status) ? t(`status_${c.status.toUpperCase()}` as MessageKey) : c.status}
                    </Text>
                  </Group>
                ))}
            </Stack>
          )}
          {(orders !== null || ordersError) && (
            <>
              <Text size="xs" fw={700} c="dimmed">
                {t("recentOrders")}
              </Text>
              <OrdersBody orders={orders} error={ordersError} />
            </>
          )}
        </Stack>
      )}
    </Card>
  );
}
