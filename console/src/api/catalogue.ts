// The lists the server owns and screens offer as choices: every channel Meridian knows (and
// whether this server has it on) and the purposes consent is recorded for. Read once per page;
// they change only with the server's version or settings.
import { useEffect, useState } from "react";
import { CatalogueDocument, type CatalogueQuery } from "../gql/graphql";
import { request } from "./client";

export type Catalogue = CatalogueQuery;

let pending: Promise<Catalogue> | null = null;

function load(): Promise<Catalogue> {
  pending ??= request(CatalogueDocument, {}).catch((err: unknown) => {
    pending = null; // the next screen asks again
    throw err;
  });
  return pending;
}

/** The catalogue, null until it arrives (and if it cannot be read: the error is the caller's to show). */
export function useCatalogue(onError?: (message: string) => void): Catalogue | null {
  const [catalogue, setCatalogue] = useState<Catalogue | null>(null);
  useEffect(() => {
    let live = true;
    load()
      .then((c) => live && setCatalogue(c))
      .catch((err: unknown) => live && onError?.(err instanceof Error ? err.message : String(err)));
    return () => {
      live = false;
    };
  }, [onError]);
  return catalogue;
}
