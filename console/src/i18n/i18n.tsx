// The interface's language: English built in, the others loaded when chosen. The choice is
// kept in localStorage (it is no secret) and sets <html lang> and, for Arabic, dir="rtl".
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { en, type MessageKey, type Messages } from "./en";

export const locales = [
  { code: "en", label: "English", dir: "ltr" },
  { code: "zh", label: "中文", dir: "ltr" },
  { code: "ja", label: "日本語", dir: "ltr" },
  { code: "de", label: "Deutsch", dir: "ltr" },
  { code: "es", label: "Español", dir: "ltr" },
  { code: "ar", label: "العربية", dir: "rtl" },
] as const;

export type Locale = (typeof locales)[number]["code"];

const loaders: Record<Locale, () => Promise<Messages>> = {
  en: () => Promise.resolve(en),
  zh: () => import("./zh").then((m) => m.zh),
  ja: () => import("./ja").then((m) => m.ja),
  de: () => import("./de").then((m) => m.de),
  es: () => import("./es").then((m) => m.es),
  ar: () => import("./ar").then((m) => m.ar),
};

const storageKey = "meridian.locale";

function isLocale(s: string | null): s is Locale {
  return locales.some((l) => l.code === s);
}

function initialLocale(): Locale {
  const saved = localStorage.getItem(storageKey);
  if (isLocale(saved)) return saved;
  const nav = navigator.language.slice(0, 2);
  return isLocale(nav) ? nav : "en";
}

export type Translate = (key: MessageKey, values?: Record<string, string | number>) => string;

interface I18n {
  locale: Locale;
  dir: "ltr" | "rtl";
  setLocale: (l: Locale) => void;
  t: Translate;
  /** Intl formatters of the locale. */
  fmt: {
    dateTime: (iso: string | Date) => string;
    /** A calendar day (YYYY-MM-DD, as metrics' day buckets are, in UTC). */
    date: (day: string) => string;
    time: (iso: string | Date) => string;
    number: (n: number, opts?: Intl.NumberFormatOptions) => string;
    duration: (ms: number) => string;
    language: (tag: string) => string;
  };
}

const Ctx = createContext<I18n | null>(null);

export function I18nProvider({ children }: { children: ReactNode }) {
  const [locale, setLocaleState] = useState<Locale>(initialLocale);
  const [messages, setMessages] = useState<Messages>(en);

  useEffect(() => {
    let stale = false;
    void loaders[locale]().then((m) => {
      if (stale) return;
      setMessages(m);
      const dir = locales.find((l) => l.code === locale)?.dir ?? "ltr";
      document.documentElement.lang = locale;
      document.documentElement.dir = dir;
    });
    return () => {
      stale = true;
    };
  }, [locale]);

  const setLocale = useCallback((l: Locale) => {
    localStorage.setItem(storageKey, l);
    setLocaleState(l);
  }, []);

  const value = useMemo<I18n>(() => {
    const t: Translate = (key, values) => {
      let s = messages[key];
      if (values) for (const [k, v] of Object.entries(values)) s = s.replaceAll(`{${k}}`, String(v));
      return s;
    };
    const dt = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" });
    const tm = new Intl.DateTimeFormat(locale, { timeStyle: "short" });
    const dd = new Intl.DateTimeFormat(locale, { month: "short", day: "numeric", timeZone: "UTC" });
    const langNames = new Intl.DisplayNames([locale], { type: "language", fallback: "code" });
    return {
      locale,
      dir: locales.find((l) => l.code === locale)?.dir ?? "ltr",
      setLocale,
      t,
      fmt: {
        dateTime: (v) => dt.format(typeof v === "string" ? new Date(v) : v),
        time: (v) => tm.format(typeof v === "string" ? new Date(v) : v),
        date: (day) => dd.format(new Date(`${day}T00:00:00Z`)),
        number: (n, opts) => numberFormat(locale, opts).format(n),
        duration: (ms) => formatDuration(locale, ms),
        language: (tag) => {
          try {
            return langNames.of(tag) ?? tag;
          } catch {
            return tag;
          }
        },
      },
    };
  }, [locale, messages, setLocale]);

  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

// Building an Intl formatter costs far more than formatting with one, and every SLA timer on
// the page formats each second: the formatters are kept.
const numberFormats = new Map<string, Intl.NumberFormat>();

function numberFormat(locale: string, opts?: Intl.NumberFormatOptions): Intl.NumberFormat {
  const k = `${locale} ${JSON.stringify(opts ?? {})}`;
  let f = numberFormats.get(k);
  if (!f) {
    f = new Intl.NumberFormat(locale, opts);
    numberFormats.set(k, f);
  }
  return f;
}

/** "1 h 5 min", "42 s" in the locale's units (Intl.NumberFormat unit style). */
function formatDuration(locale: string, ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const unit = (n: number, u: string) => numberFormat(locale, { style: "unit", unit: u, unitDisplay: "narrow" }).format(n);
  if (s < 60) return unit(s, "second");
  const m = Math.floor(s / 60);
  if (m < 60) return `${unit(m, "minute")} ${unit(s % 60, "second")}`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${unit(h, "hour")} ${unit(m % 60, "minute")}`;
  return unit(Math.floor(h / 24), "day");
}

export function useI18n(): I18n {
  const v = useContext(Ctx);
  if (!v) throw new Error("useI18n outside I18nProvider");
  return v;
}
