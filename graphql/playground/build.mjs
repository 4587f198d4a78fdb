// Copies the browser builds of GraphiQL and React from node_modules into assets/, which the
// meridian binary embeds (graphql/playground.go): the playground then loads nothing from a CDN.
import { copyFileSync, mkdirSync } from "node:fs";

const files = {
  "react.production.min.js": "node_modules/react/umd/react.production.min.js",
  "react-dom.production.min.js": "node_modules/react-dom/umd/react-dom.production.min.js",
  "graphiql.min.js": "node_modules/graphiql/graphiql.min.js",
  "graphiql.min.css": "node_modules/graphiql/graphiql.min.css",
};
mkdirSync("assets", { recursive: true });
for (const [name, from] of Object.entries(files)) {
  copyFileSync(from, `assets/${name}`);
}
console.log(`playground: ${Object.keys(files).length} files -> graphql/playground/assets`);
