// The console's one way to the server: GraphQL over HTTP POST for queries and mutations,
// graphql-ws (graphql-transport-ws) for subscriptions, both at /graphql, with the key kept
// in sessionStorage: it lives as long as the tab and never goes into a URL.
import { createClient, type Client } from "graphql-ws";
import type { TypedDocumentString } from "../gql/graphql";

const keyItem = "meridian.apiKey";

/** Dispatched on window when the server refuses the stored key. */
export const unauthorizedEvent = "meridian:unauthorized";

export function storedKey(): string | null {
  return sessionStorage.getItem(keyItem);
}

export function storeKey(key: string): void {
  sessionStorage.setItem(keyItem, key);
}

export function forgetKey(): void {
  sessionStorage.removeItem(keyItem);
  socket?.dispose();
  socket = null;
}

/** What a failed request says, to show beside the screen it failed on. */
export const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** An answer's errors, with the first message as the error's. */
export class GraphQLError extends Error {
  readonly status: number;
  constructor(message: string, status: number) {
    super(message);
    this.name = "GraphQLError";
    this.status = status;
  }
}

interface Answer<T> {
  data?: T | null;
  errors?: { message: string }[];
}

export async function request<TResult, TVariables>(
  doc: TypedDocumentString<TResult, TVariables>,
  variables?: TVariables,
  key: string | null = storedKey(),
): Promise<TResult> {
  if (!key) throw new GraphQLError("no API key", 401);
  const resp = await fetch("/graphql", {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${key}` },
    body: JSON.stringify({ query: doc.toString(), variables: variables ?? {} }),
  });
  if (resp.status === 401) {
    // The key was revoked or is wrong: the session ends (App listens).
    window.dispatchEvent(new Event(unauthorizedEvent));
  }
  let body: Answer<TResult>;
  try {
    body = (await resp.json()) as Answer<TResult>;
  } catch {
    throw new GraphQLError(`HTTP ${resp.status}`, resp.status);
  }
  if (body.errors?.length) throw new GraphQLError(body.errors.map((e) => e.message).join("; "), resp.status);
  if (!resp.ok || body.data == null) throw new GraphQLError(`HTTP ${resp.status}`, resp.status);
  return body.data;
}

let socket: Client | null = null;

function live(): Client {
  if (!socket) {
    socket = createClient({
      url: `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/graphql`,
      // The key goes in connection_init, not the URL: a browser cannot set the upgrade's headers.
      connectionParams: () => ({ Authorization: `Bearer ${storedKey() ?? ""}` }),
      lazy: true,
      retryAttempts: Infinity,
      // The server closes a socket whose key it refuses with 4403: no retry, the session ends.
      shouldRetry: (e) => {
        if (typeof e === "object" && e !== null && "code" in e && (e as { code: number }).code === 4403) {
          window.dispatchEvent(new Event(unauthorizedEvent));
          return false;
        }
        return true;
      },
    });
    socket.on("connected", () => (connected = true));
    socket.on("closed", () => (connected = false));
  }
  return socket;
}

/**
 * Subscribes; the returned function ends the subscription. The socket reconnects by itself;
 * a subscription the server ended with an error (a subscriber that fell behind is dropped)
 * is started again after a pause that doubles up to 30 s, and onRestart then tells the
 * screen to read again what it may have missed.
 */
export function subscribe<TResult, TVariables>(
  doc: TypedDocumentString<TResult, TVariables>,
  variables: TVariables,
  onData: (data: TResult) => void,
  onError?: (err: unknown) => void,
  onRestart?: () => void,
): () => void {
  let stopped = false;
  let stop = () => {};
  let timer: ReturnType<typeof setTimeout> | undefined;
  let pause = 1000;
  const start = () => {
    stop = live().subscribe<TResult>(
      { query: doc.toString(), variables: (variables ?? {}) as Record<string, unknown> },
      {
        next: (v) => {
          pause = 1000;
          if (v.data) onData(v.data);
          else if (v.errors?.length) onError?.(new GraphQLError(v.errors.map((e) => e.message).join("; "), 200));
        },
        // graphql-ws reports GraphQL errors as an array and a closed socket as its CloseEvent.
        error: (e) => {
          onError?.(new GraphQLError(describe(e), 0));
          if (stopped) return;
          timer = setTimeout(() => {
            if (stopped) return;
            start();
            onRestart?.();
          }, pause);
          pause = Math.min(pause * 2, 30_000);
        },
        complete: () => {},
      },
    );
  };
  start();
  return () => {
    stopped = true;
    clearTimeout(timer);
    stop();
  };
}

let connected = false;

/** Calls fn with whether the subscription socket is up now and each time that changes. */
export function onConnection(fn: (up: boolean) => void): () => void {
  const c = live();
  fn(connected);
  const offUp = c.on("connected", () => fn(true));
  const offDown = c.on("closed", () => fn(false));
  return () => {
    offUp();
    offDown();
  };
}

/** Runs fn each time the socket (re)connects, so screens can read again what they missed. */
export function onReconnected(fn: () => void): () => void {
  let first = true;
  return live().on("connected", () => {
    if (first) {
      first = false;
      return;
    }
    fn();
  });
}

function describe(e: unknown): string {
  if (Array.isArray(e)) return e.map((x: { message?: string }) => x.message ?? String(x)).join("; ");
  if (e instanceof Error) return e.message;
  if (typeof e === "object" && e !== null && "code" in e) {
    const c = e as { code: number; reason?: string };
    return `connection closed (${c.code}${c.reason ? `: ${c.reason}` : ""})`;
  }
  return String(e);
}
