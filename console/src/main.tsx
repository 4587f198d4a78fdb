import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import "./styles/base.css";
import "@fontsource-variable/inter/index.css";
import "./app.css";
import { App } from "./App";

const root = document.getElementById("root");
if (!root) throw new Error("no #root");
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
