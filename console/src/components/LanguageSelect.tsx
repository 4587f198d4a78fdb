import { NativeSelect } from "@mantine/core";
import { IconWorld } from "@tabler/icons-react";
import { locales, useI18n, type Locale } from "../i18n/i18n";

/** The interface language. Its accessible name is "Language" in every locale, so it can be found whatever is shown. */
export function LanguageSelect() {
  const { locale, setLocale } = useI18n();
  return (
    <NativeSelect
      aria-label="Language"
      leftSection={<IconWorld size={16} aria-hidden />}
      value={locale}
      onChange={(e) => setLocale(e.currentTarget.value as Locale)}
      data={locales.map((l) => ({ value: l.code, label: l.label }))}
      w={150}
    />
  );
}
