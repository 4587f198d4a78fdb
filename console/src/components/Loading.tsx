import { Loader, type LoaderProps } from "@mantine/core";
import { useI18n } from "../i18n/i18n";

/**
 * A spinner that screen readers announce as "Loading": Mantine's Loader is a bare element, on
 * which an accessible name is not allowed without a role (axe: aria-prohibited-attr).
 */
export function Loading(props: Omit<LoaderProps, "role">) {
  const { t } = useI18n();
  return <Loader role="status" aria-label={t("loading")} {...props} />;
}
