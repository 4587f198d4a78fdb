import { Badge } from "@mantine/core";
import type { Priority } from "../gql/graphql";
import { useI18n } from "../i18n/i18n";

// Urgent is a filled badge; the others keep dark text beside a coloured dot, for contrast.
const colors: Record<Priority, string> = { LOW: "gray", NORMAL: "blue", HIGH: "orange", URGENT: "red.9" };

export function PriorityBadge({ priority }: { priority: Priority | null }) {
  const { t } = useI18n();
  if (!priority) return null;
  return (
    <Badge size="sm" color={colors[priority]} variant={priority === "URGENT" ? "filled" : "dot"}>
      {t(`priority_${priority}`)}
    </Badge>
  );
}
