// What the compliance screen's Consents tab and the conversation's customer panel share about
// consent to messages outside a conversation (setConsent, consents).
// Both record answers with Mantine's Switch, whose styles the shell does not load.
import "@mantine/core/styles/InlineInput.css";
import "@mantine/core/styles/Switch.css";
import { en, type MessageKey } from "../i18n/en";
import type { Translate } from "../i18n/i18n";

/** A purpose the server lists, in the interface language; its own word when this console has no message for it. */
export function purposeLabel(t: Translate, purpose: string): string {
  const key = `consentPurpose_${purpose}`;
  return key in en ? t(key as MessageKey) : purpose;
}

/** The id of the customer panel's switch for a channel and purpose: a refused reply points at it. */
export const consentControlId = (channel: string, purpose: string) => `consent-${channel}-${purpose}`;

/** A reply the senders refused for want of consent (channels.ErrNoConsent's wording). */
export const refusedForConsent = (error: string) => /\bno consent\b/.test(error);
