// A small client-side router over the History API: the server answers every console path
// with index.html, so /conversations/ID can be reloaded or bookmarked. Paths never hold the key.
import { useSyncExternalStore } from "react";

const listeners = new Set<() => void>();

function notify() {
  for (const l of listeners) l();
}

window.addEventListener("popstate", notify);

/** Goes to path; replace swaps the current history entry (a redirect) instead of adding one. */
export function navigate(path: string, { replace = false } = {}): void {
  if (path === location.pathname) return;
  if (replace) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  notify();
}

export function usePath(): string {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => location.pathname,
  );
}

export type Route =
  | { screen: "inbox" }
  | { screen: "conversation"; id: string }
  | { screen: "board" | "planner" | "insights" | "executive" | "compliance" }
  | { screen: "unknown" };

export function parse(path: string): Route {
  const conv = /^\/conversations\/([^/]+)$/.exec(path);
  if (conv?.[1]) return { screen: "conversation", id: decodeURIComponent(conv[1]) };
  switch (path) {
    case "/":
    case "/inbox":
      return { screen: "inbox" };
    case "/board":
      return { screen: "board" };
    case "/planner":
      return { screen: "planner" };
    case "/insights":
      return { screen: "insights" };
    case "/executive":
      return { screen: "executive" };
    case "/compliance":
      return { screen: "compliance" };
  }
  return { screen: "unknown" };
}
