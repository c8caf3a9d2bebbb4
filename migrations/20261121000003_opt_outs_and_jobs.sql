-- Opt-outs (never text them again) and the durable queue of background work.

CREATE TABLE opt_out (
    business_number text NOT NULL,
    contact_number  text NOT NULL,
    source          text NOT NULL CHECK (source IN ('keyword', 'provider', 'operator')),
    detail          text,
    opted_out_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (business_number, contact_number)
);

CREATE INDEX opt_out_contact_idx ON opt_out (contact_number);

COMMENT ON TABLE opt_out IS 'Contacts who must not be texted from a business number until they opt back in.';
COMMENT ON COLUMN opt_out.source IS 'keyword: the contact texted STOP or similar; provider: the provider refused to send (Twilio 21610); operator: set by a person.';
COMMENT ON COLUMN opt_out.detail IS 'What triggered it: the keyword, or the provider error code.';

CREATE TABLE job (
    id               uuid PRIMARY KEY,
    kind             text NOT NULL,
    payload          jsonb NOT NULL,
    status           text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'dead')),
    concurrency_key  text,
    dedupe_key       text,
    attempts         integer NOT NULL DEFAULT 0,
    max_attempts     integer NOT NULL CHECK (max_attempts > 0),
    run_at           timestamptz NOT NULL DEFAULT now(),
    lease_expires_at timestamptz,
    last_error       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX job_runnable_idx ON job (run_at) WHERE status = 'queued';
CREATE INDEX job_lease_idx ON job (lease_expires_at) WHERE status = 'running';
CREATE INDEX job_dead_idx ON job (updated_at) WHERE status = 'dead';
-- The guarantee behind "one reply at a time per conversation": two running jobs cannot share a key.
CREATE UNIQUE INDEX job_one_running_per_key_idx ON job (concurrency_key) WHERE status = 'running';
-- At most one waiting job per dedupe key: a burst of texts queues one reply.
CREATE UNIQUE INDEX job_one_queued_per_dedupe_key_idx ON job (dedupe_key) WHERE status = 'queued';

COMMENT ON TABLE job IS 'Background work (replies, sends). A job that succeeds is deleted; one that keeps failing stays here as dead.';
COMMENT ON COLUMN job.kind IS 'What to do: generate_reply, send_message, …';
COMMENT ON COLUMN job.status IS 'queued: waiting for run_at; running: claimed by a worker until lease_expires_at; dead: failed for good, see last_error.';
COMMENT ON COLUMN job.concurrency_key IS 'Jobs with the same key never run at the same time (the conversation id, for replies and sends). They start in run_at order, though a retry goes back in line.';
COMMENT ON COLUMN job.dedupe_key IS 'A job whose dedupe key is already waiting is not queued again (one pending reply per conversation).';
COMMENT ON COLUMN job.attempts IS 'Attempts started so far. Also fences out a worker whose lease ran out: it can no longer finish the job.';
COMMENT ON COLUMN job.run_at IS 'Not before this time (retries back off exponentially with jitter, honouring Retry-After).';
COMMENT ON COLUMN job.lease_expires_at IS 'A running job whose lease has run out belonged to a worker that died; another worker takes it over.';
COMMENT ON COLUMN job.last_error IS 'Why the latest attempt failed.';
