-- Hand-offs to a person: an assistant with the handoff_to_human tool pauses the conversation when the
-- contact asks for a person, and tells the business (a signed webhook, an email) with a summary. A person's
-- reply through the operators' API, or resuming the conversation, ends it.

ALTER TABLE assistant_builtin_tool DROP CONSTRAINT assistant_builtin_tool_tool_check;
ALTER TABLE assistant_builtin_tool ADD CONSTRAINT assistant_builtin_tool_tool_check
    CHECK (tool IN ('knowledge_base', 'handoff_to_human'));
COMMENT ON TABLE assistant_builtin_tool IS 'The built-in tools an assistant uses: knowledge_base (answers from the tenant''s documents), handoff_to_human (a person takes over when the contact asks for one).';

CREATE TABLE handoff (
    id               uuid PRIMARY KEY,
    conversation_id  uuid NOT NULL REFERENCES conversation (id) ON DELETE CASCADE,
    summary          text NOT NULL,
    requested_at     timestamptz NOT NULL DEFAULT now(),
    notified_at      timestamptz,
    resolved_at      timestamptz,
    resolved_by      text CHECK (resolved_by IN ('operator_reply', 'resumed')),
    CHECK ((resolved_at IS NULL) = (resolved_by IS NULL))
);

-- One open hand-off per conversation.
CREATE UNIQUE INDEX handoff_open_idx ON handoff (conversation_id) WHERE resolved_at IS NULL;

COMMENT ON TABLE handoff IS 'A contact handed to a person: when, the conversation so far (summary), when the business was told, and how it ended.';
COMMENT ON COLUMN handoff.summary IS 'The conversation''s last messages as the business is told them (Contact: …, Assistant: …).';
COMMENT ON COLUMN handoff.notified_at IS 'When the business''s webhook (the assistant''s completion URL) took the notice; NULL until then, or when it has none.';
COMMENT ON COLUMN handoff.resolved_by IS 'operator_reply (a person answered through the API) or resumed (handed back to the assistant).';
