import { Anchor, Badge, Group, Stack, Text } from "@mantine/core";
import type { OrderItemFragment } from "../gql/graphql";
import { useI18n } from "../i18n/i18n";
import type { MessageKey } from "../i18n/en";

const orderStatuses = ["pending", "paid", "on_hold", "partially_shipped", "shipped", "delivered", "cancelled", "partially_refunded", "refunded"];
const shipmentStatuses = ["pending", "shipped", "in_transit", "out_for_delivery", "delivered", "failed", "cancelled"];

/** Orders as the shop answered them: status, total, the latest parcel's expected delivery and tracking link. */
export function OrdersList({ orders }: { orders: OrderItemFragment[] }) {
  const { t, fmt } = useI18n();
  const status = (s: string) => t((orderStatuses.includes(s) ? `order_${s}` : "order_unknown") as MessageKey);
  const shipment = (s: string) => t((shipmentStatuses.includes(s) ? `shipment_${s}` : "shipment_unknown") as MessageKey);
  const total = (o: OrderItemFragment) => {
    const n = Number(o.total);
    if (!Number.isFinite(n) || !/^[A-Z]{3}$/.test(o.currency)) return `${o.total} ${o.currency}`;
    return fmt.number(n, { style: "currency", currency: o.currency });
  };
  if (orders.length === 0) {
    return (
      <Text size="sm" c="dimmed">
        {t("noOrders")}
      </Text>
    );
  }
  return (
    <Stack gap={6}>
      {orders.map((o, i) => (
        <Stack key={`${o.number}-${i}`} gap={2} data-testid="order" data-order={o.number}>
          <Group gap="xs">
            <Text size="sm" fw={600}>
              {t("orderNumber", { number: o.number })}
            </Text>
            <Badge size="sm" variant="light" data-testid="order-status" data-status={o.status}>
              {status(o.status)}
            </Badge>
            <Text size="sm" data-testid="order-total">
              {total(o)}
            </Text>
          </Group>
          {o.placedAt && (
            <Text size="xs" c="dimmed">
              {t("orderPlaced", { at: fmt.dateTime(o.placedAt) })}
            </Text>
          )}
          {o.shipmentStatus && (
            <Text size="xs" data-testid="order-shipment">
              {o.carrier ? t("shipmentBy", { status: shipment(o.shipmentStatus), carrier: o.carrier }) : shipment(o.shipmentStatus)}
              {o.expectedDelivery && ` · ${t("expectedDelivery", { at: fmt.dateTime(o.expectedDelivery) })}`}
            </Text>
          )}
          {o.trackingUrl && (
            <Anchor size="xs" href={o.trackingUrl} target="_blank" rel="noreferrer noopener" data-testid="order-tracking">
              {t("trackParcel")}
            </Anchor>
          )}
        </Stack>
      ))}
    </Stack>
  );
}
