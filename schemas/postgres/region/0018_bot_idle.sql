-- Conversations the AI keeps (status bot) are resolved by the engine once their customer has
-- been silent for a while (conversation/engine's BotResolveAfter): found by when they last wrote.
CREATE INDEX work_bot_idle ON work (last_customer_at) WHERE status = 'bot';
