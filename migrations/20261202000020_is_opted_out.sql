-- The one definition of "opted out", used by every query that asks. A plain SQL function: the planner
-- inlines it into the queries that call it.

CREATE FUNCTION is_opted_out(business_number text, contact_number text) RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT EXISTS (SELECT 1 FROM opt_out o WHERE o.business_number = $1 AND o.contact_number = $2) $$;
COMMENT ON FUNCTION is_opted_out(text, text) IS 'Whether the contact has opted out of texts from the business number (a row in opt_out). The one definition every query uses.';
