import { useState, type FormEvent } from "react";
import { Alert, Button, Center, Group, Paper, PasswordInput, Stack, Text, Title } from "@mantine/core";
import { MeDocument } from "../gql/graphql";
import { request, storeKey } from "../api/client";
import { useI18n } from "../i18n/i18n";
import { LanguageSelect } from "../components/LanguageSelect";
import type { Viewer } from "../session";

export function SignIn({ onSignedIn, notice }: { onSignedIn: (v: Viewer) => void; notice?: string | null }) {
  const { t } = useI18n();
  const [key, setKey] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const k = key.trim();
    if (!k) return;
    setBusy(true);
    setError(null);
    try {
      const { me } = await request(MeDocument, {}, k);
      storeKey(k);
      onSignedIn(me);
    } catch (err) {
      setError(t("badKey", { reason: err instanceof Error ? err.message : String(err) }));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Center mih="100vh" p="md">
      <Paper withBorder shadow="sm" p="xl" w={420} component="main">
        <form onSubmit={submit} method="post" autoComplete="off">
          <Stack>
            <Group justify="space-between">
              <Title order={1} size="h3">
                {t("signInTitle")}
              </Title>
              <LanguageSelect />
            </Group>
            <Text size="sm" c="dimmed">
              {t("signInHelp")}
            </Text>
            <PasswordInput label={t("apiKey")} value={key} onChange={(e) => setKey(e.currentTarget.value)} required autoFocus />
            {notice && !error && (
              <Alert color="yellow" role="status">
                {notice}
              </Alert>
            )}
            {error && (
              <Alert color="red" role="alert">
                {error}
              </Alert>
            )}
            <Button type="submit" loading={busy}>
              {t("signIn")}
            </Button>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
