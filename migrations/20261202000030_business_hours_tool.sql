-- The business_hours built-in tool: an assistant answers "what are your hours?" from its booking hours.

ALTER TABLE assistant_builtin_tool DROP CONSTRAINT assistant_builtin_tool_tool_check;
ALTER TABLE assistant_builtin_tool ADD CONSTRAINT assistant_builtin_tool_tool_check
    CHECK (tool IN ('knowledge_base', 'handoff_to_human', 'business_hours'));
COMMENT ON TABLE assistant_builtin_tool IS 'The built-in tools an assistant uses: knowledge_base (answers from the tenant''s documents), handoff_to_human (a person takes over when the contact asks for one), business_hours (answers when the business is open, from its booking hours).';
