// Who is signed in: the key's me answer (role, regions, actions, agent), which decides the
// screens. The key itself stays in sessionStorage (api/client.ts).
import { createContext, useContext } from "react";
import type { MeQuery } from "./gql/graphql";

export type Viewer = MeQuery["me"];

export const ViewerContext = createContext<Viewer | null>(null);

export function useViewer(): Viewer {
  const v = useContext(ViewerContext);
  if (!v) throw new Error("useViewer outside a signed-in session");
  return v;
}

export type Screen = "inbox" | "board" | "planner" | "insights" | "executive" | "compliance";

/** The screens a key may use, by the actions its role has (auth/policy.go). */
export function screensFor(v: Viewer): Screen[] {
  const can = new Set(v.can);
  const out: Screen[] = [];
  if (can.has("work_conversations")) out.push("inbox");
  if (can.has("manage_agents")) out.push("board");
  if (can.has("plan")) out.push("planner");
  if (can.has("read_insights")) out.push("insights", "executive");
  if (can.has("audit")) out.push("compliance");
  return out;
}

/**
 * Whether the field policy lets the viewer's role see every one of fields in at least one
 * region of its key (me.fields): a list of conversations selected by what their texts say
 * (the insights drills) needs text, a theme's also phrase, in the same region.
 */
export function maySee(v: Viewer, ...fields: string[]): boolean {
  const by = new Map(v.fields.map((f) => [f.field, new Map(f.regions.map((r) => [r.region, r.outcome]))]));
  return v.regions.some((r) => fields.every((f) => (by.get(f)?.get(r) ?? "hidden") !== "hidden"));
}
