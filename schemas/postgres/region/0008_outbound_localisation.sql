-- How a reply was put into the customer's language and culture (channels.Localisation as
-- JSON: the language it is in, what the agent wrote before translation, the template, the
-- culture rules applied and the reply's cultural fit), sealed with the customer's data key
-- because the agent's original text is personal data like the reply. '' for replies sent
-- before it existed.
ALTER TABLE outbound_messages ADD COLUMN localisation text NOT NULL DEFAULT '';
