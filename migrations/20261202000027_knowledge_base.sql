-- A knowledge base per tenant: documents uploaded through the API (plain text, Markdown, PDF), split into
-- passages that Postgres's full-text search finds (English or Spanish stemming, by the document's
-- language), and the built-in tools each assistant has switched on (the knowledge base first).

CREATE TABLE knowledge_document (
    id          uuid PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
    title       text NOT NULL CHECK (title ~ '\S' AND length(title) <= 200),
    media_type  text NOT NULL CHECK (media_type IN ('text/plain', 'text/markdown', 'application/pdf')),
    language    text NOT NULL CHECK (language IN ('en', 'es')),
    size_bytes  integer NOT NULL CHECK (size_bytes > 0),
    sha256      text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, sha256)
);

CREATE INDEX knowledge_document_tenant_idx ON knowledge_document (tenant_id, created_at);

CREATE TABLE knowledge_passage (
    id           uuid PRIMARY KEY,
    document_id  uuid NOT NULL REFERENCES knowledge_document (id) ON DELETE CASCADE,
    tenant_id    uuid NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
    position     integer NOT NULL CHECK (position >= 0),
    heading      text,
    body         text NOT NULL CHECK (body ~ '\S'),
    config       regconfig NOT NULL CHECK (config IN ('english'::regconfig, 'spanish'::regconfig)),
    search       tsvector GENERATED ALWAYS AS (to_tsvector(config, coalesce(heading, '') || ' ' || body)) STORED,
    UNIQUE (document_id, position)
);

CREATE INDEX knowledge_passage_search_idx ON knowledge_passage USING gin (search);
CREATE INDEX knowledge_passage_tenant_idx ON knowledge_passage (tenant_id);

CREATE TABLE assistant_builtin_tool (
    assistant_id uuid NOT NULL REFERENCES assistant (id) ON DELETE CASCADE,
    tool         text NOT NULL CHECK (tool IN ('knowledge_base')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (assistant_id, tool)
);

COMMENT ON TABLE knowledge_document IS 'A document of a tenant''s knowledge base, as uploaded (its text lives in knowledge_passage).';
COMMENT ON COLUMN knowledge_document.language IS 'en or es: which stemming its passages are searched with.';
COMMENT ON COLUMN knowledge_document.sha256 IS 'The uploaded bytes'' SHA-256, hex: the same document uploaded twice is refused.';
COMMENT ON TABLE knowledge_passage IS 'A passage of a knowledge document: a section or a few paragraphs, found by full-text search (search @@ websearch_to_tsquery(config, …), then any of the query''s words).';
COMMENT ON COLUMN knowledge_passage.heading IS 'The Markdown heading the passage sits under, searched with it.';
COMMENT ON COLUMN knowledge_passage.search IS 'The passage''s lexemes in its document''s language (GIN-indexed).';
COMMENT ON TABLE assistant_builtin_tool IS 'The built-in tools an assistant uses: knowledge_base (answers from the tenant''s documents).';
