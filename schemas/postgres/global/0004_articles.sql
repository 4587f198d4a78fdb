-- Knowledge-base articles of each tenant (knowledge.Article). They are the tenant's own
-- publications, never what a customer said, so they hold no personal data and live in the
-- global catalogue, where every region's conversations can be answered from them.
CREATE TABLE articles (
    tenant_id      text NOT NULL,
    id             text NOT NULL,
    language       text NOT NULL,
    title          text NOT NULL,
    body           text NOT NULL,
    tags           text[] NOT NULL DEFAULT '{}',
    product        text NOT NULL DEFAULT '',
    -- The original this article translates; when the original is deleted its translations
    -- stay, unlinked.
    translation_of text,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, translation_of) REFERENCES articles (tenant_id, id) ON DELETE SET NULL (translation_of)
);

CREATE INDEX articles_translation_of ON articles (tenant_id, translation_of) WHERE translation_of IS NOT NULL;

-- Incremented in the transaction of every write of a tenant's articles: a server's in-memory
-- index that is behind it rebuilds itself (knowledge.Base).
CREATE TABLE article_revisions (
    tenant_id text PRIMARY KEY,
    revision  bigint NOT NULL
);
