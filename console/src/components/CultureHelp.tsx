import { useEffect, useState } from "react";
import { Alert, Button, Group, List, Stack, Text } from "@mantine/core";
import { AdaptReplyDocument, ConversationCultureDocument, type AdaptReplyQuery, type ConversationCultureQuery } from "../gql/graphql";
import { errorMessage, request } from "../api/client";
import { useI18n } from "../i18n/i18n";
import type { MessageKey } from "../i18n/en";

type Culture = NonNullable<NonNullable<ConversationCultureQuery["conversation"]>["culture"]>;
type Adapted = AdaptReplyQuery["adaptReply"];

const templateKeys = ["greeting", "acknowledge", "looking_into_it", "closing", "transfer_to_human", "voice_note_received"];

/** Where a template goes in the reply: a greeting opens it, everything else follows what is written. */
export function insertTemplate(reply: string, key: string, text: string): string {
  const r = reply.trim();
  if (!r) return text;
  return key === "greeting" ? `${text}\n${r}` : `${r}\n${text}`;
}

/**
 * The culture profile's guidance for the reply to this customer: its rules (formality,
 * honorifics, greeting and closing), its localised templates as chips that insert into the
 * reply, and "Adapt to culture", which shows the rules that changed the draft.
 */
export function CultureHelp({ id, reply, setReply, mayAdapt }: { id: string; reply: string; setReply: (text: string) => void; mayAdapt: boolean }) {
  const { t, fmt } = useI18n();
  const [culture, setCulture] = useState<Culture | null | undefined>(undefined);
  const [adapted, setAdapted] = useState<Adapted | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    let live = true;
    request(ConversationCultureDocument, { id })
      .then(({ conversation }) => live && setCulture(conversation?.culture ?? null))
      .catch(() => live && setCulture(null));
    return () => {
      live = false;
    };
  }, [id]);
  if (!culture) return null;
  const locale = culture.locale;

  const rules: string[] = [t(`formality_${culture.formality}` as MessageKey)];
  if (culture.honorificPronoun) rules.push(t("honorificPronoun", { word: culture.honorificPronoun }));
  if (culture.honorificName) rules.push(t("honorificName", { word: culture.honorificName }));
  if (culture.honorificSpeech) rules.push(t("honorificSpeech", { word: culture.honorificSpeech }));
  if (culture.expectsGreeting || culture.expectsClosing) rules.push(t("expectsGreetingClosing"));
  if (!culture.flatRefusalOk) rules.push(t("softenRefusals"));

  async function adapt() {
    setBusy(true);
    try {
      const { adaptReply } = await request(AdaptReplyDocument, { text: reply, locale });
      setAdapted(adaptReply);
      setReply(adaptReply.text);
      setError(null);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Stack gap={6} data-testid="culture-help" data-locale={culture.locale}>
      <Text size="xs" fw={700} c="dimmed">
        {t("cultureGuide", { name: culture.name, locale: culture.locale })}
      </Text>
      <Text size="xs" data-testid="culture-rules">
        {rules.join(" · ")}
      </Text>
      <Group gap={6} role="group" aria-label={t("suggestions")}>
        {culture.templates
          .filter((tp) => templateKeys.includes(tp.key))
          .map((tp) => (
            <Button
              key={tp.key}
              size="compact-xs"
              radius="xl"
              variant="light"
              title={tp.text}
              data-template={tp.key}
              onClick={() => {
                setReply(insertTemplate(reply, tp.key, tp.text));
                setAdapted(null);
              }}
            >
              {t(`template_${tp.key}` as MessageKey)}
            </Button>
          ))}
        {mayAdapt && (
          <Button size="compact-xs" radius="xl" variant="outline" loading={busy} disabled={!reply.trim()} onClick={() => void adapt()} data-testid="adapt">
            {t("adaptToCulture")}
          </Button>
        )}
      </Group>
      {error && (
        <Alert color="red" p="xs" role="alert">
          {t("error", { message: error })}
        </Alert>
      )}
      {adapted && (
        <Stack gap={2} data-testid="adapted" role="status">
          <Text size="xs">
            {t("culturalFit", {
              before: fmt.number(adapted.originalFit, { style: "percent" }),
              after: fmt.number(adapted.culturalFit, { style: "percent" }),
            })}
          </Text>
          {adapted.rules.length === 0 ? (
            <Text size="xs" c="dimmed">
              {t("noCultureChanges")}
            </Text>
          ) : (
            <List size="xs" data-testid="adapt-rules">
              {adapted.rules.map((r) => (
                <List.Item key={r.id} data-rule={r.id}>
                  {r.description}
                </List.Item>
              ))}
            </List>
          )}
        </Stack>
      )}
    </Stack>
  );
}
