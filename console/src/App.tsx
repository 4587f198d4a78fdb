import { lazy, Suspense, useEffect, useState } from "react";
import { AppShell, Button, DirectionProvider, Group, MantineProvider, NavLink, Text, Title, createTheme, type CSSVariablesResolver } from "@mantine/core";
import { Loading } from "./components/Loading";
import { IconChartBar, IconClipboardList, IconInbox, IconLayoutBoard, IconLogout, IconShieldCheck, IconTrendingUp } from "@tabler/icons-react";
import { I18nProvider, useI18n } from "./i18n/i18n";
import { forgetKey, request, storedKey, unauthorizedEvent } from "./api/client";
import { MeDocument } from "./gql/graphql";
import { SignIn } from "./screens/SignIn";
import { screensFor, ViewerContext, type Screen, type Viewer } from "./session";
import { navigate, parse, usePath } from "./router";
import { LanguageSelect } from "./components/LanguageSelect";
import type { MessageKey } from "./i18n/en";

// Each screen is its own chunk: the sign-in page loads none of them.
const Inbox = lazy(() => import("./screens/Inbox"));
const Conversation = lazy(() => import("./screens/Conversation"));
const Board = lazy(() => import("./screens/Board"));
const Executive = lazy(() => import("./screens/Executive"));
const Compliance = lazy(() => import("./screens/Compliance"));
const Planner = lazy(() => import("./screens/Planner"));
const Insights = lazy(() => import("./screens/Insights"));

// Once signed in, the screens the key's role may open are fetched while the browser is idle,
// so that opening one does not wait on the network (the executive dashboard's charts are the
// largest chunk); the sign-in page still loads none of them.
const prefetch: Partial<Record<Screen, () => Promise<unknown>>> = {
  inbox: () => import("./screens/Inbox"),
  board: () => import("./screens/Board"),
  executive: () => Promise.all([import("./screens/Executive"), import("./components/TrendChart")]),
  compliance: () => import("./screens/Compliance"),
  planner: () => Promise.all([import("./screens/Planner"), import("./components/ForecastChart"), import("./components/StaffingHeatmap")]),
  insights: () => Promise.all([import("./screens/Insights"), import("./components/InsightCharts")]),
};

function usePrefetch(viewer: Viewer | null) {
  useEffect(() => {
    if (!viewer) return;
    const run = () => screensFor(viewer).forEach((s) => void prefetch[s]?.().catch(() => undefined));
    if ("requestIdleCallback" in window) {
      const id = window.requestIdleCallback(run, { timeout: 2000 });
      return () => window.cancelIdleCallback(id);
    }
    const id = setTimeout(run, 500);
    return () => clearTimeout(id);
  }, [viewer]);
}

// Darker shades than Mantine's defaults, so that text keeps a 4.5:1 contrast (WCAG AA).
const theme = createTheme({ fontFamily: "var(--meridian-font)", primaryColor: "indigo", primaryShade: 8, autoContrast: true });

const cssVariables: CSSVariablesResolver = () => ({
  variables: {},
  light: { "--mantine-color-dimmed": "var(--mantine-color-gray-7)" },
  dark: {},
});

export function App() {
  return (
    <I18nProvider>
      <Themed />
    </I18nProvider>
  );
}

function Themed() {
  const { dir } = useI18n();
  return (
    <DirectionProvider initialDirection={dir} detectDirection={false} key={dir}>
      <MantineProvider theme={theme} cssVariablesResolver={cssVariables}>
        <Session />
      </MantineProvider>
    </DirectionProvider>
  );
}

function Session() {
  const { t } = useI18n();
  const [viewer, setViewer] = useState<Viewer | null>(null);
  const [checking, setChecking] = useState(() => storedKey() !== null);
  usePrefetch(viewer);

  // A reload keeps the tab's key: ask again who it is.
  useEffect(() => {
    if (!checking) return;
    request(MeDocument, {})
      .then(({ me }) => setViewer(me))
      .catch(() => forgetKey())
      .finally(() => setChecking(false));
  }, [checking]);

  const [expired, setExpired] = useState(false);

  // A key refused mid-session (revoked, or the server's keys changed): back to sign-in.
  useEffect(() => {
    const onRefused = () => {
      if (!storedKey()) return;
      forgetKey();
      setViewer(null);
      setExpired(true);
    };
    window.addEventListener(unauthorizedEvent, onRefused);
    return () => window.removeEventListener(unauthorizedEvent, onRefused);
  }, []);

  if (checking) return <Loading m="xl" />;
  if (!viewer)
    return (
      <SignIn
        onSignedIn={(v) => {
          setExpired(false);
          setViewer(v);
        }}
        notice={expired ? t("sessionExpired") : null}
      />
    );
  return (
    <ViewerContext.Provider value={viewer}>
      <Shell
        viewer={viewer}
        onSignOut={() => {
          forgetKey();
          setViewer(null);
          navigate("/");
        }}
      />
    </ViewerContext.Provider>
  );
}

const nav: Record<Screen, { label: MessageKey; path: string; icon: typeof IconInbox }> = {
  inbox: { label: "navInbox", path: "/inbox", icon: IconInbox },
  board: { label: "navBoard", path: "/board", icon: IconLayoutBoard },
  planner: { label: "navPlanner", path: "/planner", icon: IconClipboardList },
  insights: { label: "navInsights", path: "/insights", icon: IconTrendingUp },
  executive: { label: "navExecutive", path: "/executive", icon: IconChartBar },
  compliance: { label: "navCompliance", path: "/compliance", icon: IconShieldCheck },
};

function Shell({ viewer, onSignOut }: { viewer: Viewer; onSignOut: () => void }) {
  const { t } = useI18n();
  const path = usePath();
  const route = parse(path);
  const screens = screensFor(viewer);
  const current: Screen | null = route.screen === "conversation" ? "inbox" : route.screen === "unknown" ? null : route.screen;

  // "/" is the inbox; a role without one starts on its first screen instead.
  const home = screens.includes("inbox") ? null : screens[0];
  useEffect(() => {
    if (path === "/" && home) navigate(nav[home].path, { replace: true });
  }, [path, home]);

  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 220, breakpoint: "sm" }} padding="md">
      <AppShell.Header px="md">
        <Group h="100%" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Title order={1} size="h4">
              {t("appName")}
            </Title>
            <Text size="sm" c="dimmed" data-testid="viewer">
              {t("signedInAs", {
                role: viewer.agent ? `${viewer.agent.name} (${viewer.role})` : viewer.role,
                regions: viewer.regions.join(", ") || t("allRegions"),
              })}
            </Text>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <LanguageSelect />
            <Button variant="subtle" leftSection={<IconLogout size={16} aria-hidden />} onClick={onSignOut}>
              {t("signOut")}
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" component="nav">
        {screens.map((s) => {
          const item = nav[s];
          const Icon = item.icon;
          return (
            <NavLink
              key={s}
              href={item.path}
              label={t(item.label)}
              leftSection={<Icon size={18} aria-hidden />}
              active={current === s}
              variant="filled"
              aria-current={current === s ? "page" : undefined}
              onClick={(e) => {
                e.preventDefault();
                navigate(item.path);
              }}
            />
          );
        })}
      </AppShell.Navbar>
      <AppShell.Main>
        <Suspense fallback={<Loading />}>
          <Content route={route} screens={screens} role={viewer.role} />
        </Suspense>
      </AppShell.Main>
    </AppShell>
  );
}

function Content({ route, screens, role }: { route: ReturnType<typeof parse>; screens: Screen[]; role: string }) {
  const { t } = useI18n();
  if (screens.length === 0) return <Text>{t("noWorkScreens", { role })}</Text>;
  switch (route.screen) {
    case "inbox":
      return screens.includes("inbox") ? <Inbox /> : <NotBuilt />;
    case "conversation":
      return <Conversation id={route.id} />;
    case "board":
      return screens.includes("board") ? <Board /> : <NotBuilt />;
    case "insights":
      return screens.includes("insights") ? <Insights /> : <NotBuilt />;
    case "executive":
      return screens.includes("executive") ? <Executive /> : <NotBuilt />;
    case "compliance":
      return screens.includes("compliance") ? <Compliance /> : <NotBuilt />;
    case "planner":
      return screens.includes("planner") ? <Planner /> : <NotBuilt />;
    case "unknown":
      return <NotBuilt />;
    default:
      return <NotBuilt />;
  }
}

function NotBuilt() {
  const { t } = useI18n();
  return <Text>{t("notBuilt")}</Text>;
}
