import { Badge } from "@mantine/core";
import { useEffect, useState } from "react";
import { useI18n } from "../i18n/i18n";
import type { InboxRowFragment } from "../gql/graphql";

// One clock for every timer on the page.
let now = Date.now();
const tickers = new Set<(n: number) => void>();
setInterval(() => {
  now = Date.now();
  for (const t of tickers) t(now);
}, 1000);

function useNow(): number {
  const [n, setN] = useState(now);
  useEffect(() => {
    tickers.add(setN);
    return () => {
      tickers.delete(setN);
    };
  }, []);
  return n;
}

/** The clock that comes due next, as the server's SLA fields state it. */
export function nextDue(sla: NonNullable<InboxRowFragment["sla"]>): string | null {
  if (sla.nextResponseDueAt) return sla.nextResponseDueAt;
  if (!sla.firstResponseAt && sla.firstResponseDueAt) return sla.firstResponseDueAt;
  return sla.resolutionDueAt;
}

/** A live countdown to the conversation's next SLA due time. */
export function SlaTimer({ sla, status }: { sla: InboxRowFragment["sla"]; status: string }) {
  const { t, fmt } = useI18n();
  const n = useNow();
  if (!sla || status === "RESOLVED") return <Badge variant="light" color="gray">{t("slaNone")}</Badge>;
  if (sla.paused) return <Badge variant="light" color="gray">{t("slaPaused")}</Badge>;
  const due = nextDue(sla);
  if (!due) {
    return sla.breached.length ? <Badge color="red.9">{t("slaBreached")}</Badge> : <Badge variant="light" color="gray">{t("slaNone")}</Badge>;
  }
  const left = new Date(due).getTime() - n;
  if (left < 0) return <Badge color="red.9" title={fmt.dateTime(due)}>{t("slaOverdue", { time: fmt.duration(-left) })}</Badge>;
  const color = sla.breached.length ? "red" : left < 5 * 60_000 ? "orange" : "teal";
  return (
    <Badge variant="dot" color={color} title={fmt.dateTime(due)}>
      {t("slaDueIn", { time: fmt.duration(left) })}
    </Badge>
  );
}
