// Starts GraphiQL on the page's endpoint (data-endpoint of <body>). A file of its own, not an
// inline script, so the page's Content-Security-Policy can be 'self' only.
(function () {
  const endpoint = document.body.dataset.endpoint;
  const fetcher = GraphiQL.createFetcher({ url: new URL(endpoint, location.href).toString() });
  const root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: true,
      defaultHeaders: JSON.stringify({ Authorization: "Bearer <your API key>" }, null, 2),
    }),
  );
})();
