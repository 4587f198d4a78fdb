import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The build goes to ../webconsole/dist, which the meridian binary embeds (webconsole.go).
// NOT_BUILT.txt is the placeholder committed there so that a checkout builds before npm ran;
// the build writes it again after emptying the directory.
const placeholder =
  "The web console's npm build (scripts/build-console.sh, run by scripts/setup.sh) goes here.\n" +
  "Without it the binary serves a page that says to run scripts/setup.sh.\n";

export default defineConfig({
  plugins: [
    react(),
    {
      name: "meridian-placeholder",
      generateBundle() {
        this.emitFile({ type: "asset", fileName: "NOT_BUILT.txt", source: placeholder });
      },
    },
  ],
  base: "/",
  build: {
    outDir: "../webconsole/dist",
    emptyOutDir: true,
    // No inline scripts or modulepreload polyfill: the Content-Security-Policy allows 'self' only.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1200,
  },
  server: {
    proxy: { "/graphql": { target: "http://127.0.0.1:8080", ws: true } },
  },
});
