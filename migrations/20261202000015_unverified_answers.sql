-- A contact who cannot get an answer through is not asked a third time the same way; after that the
-- assistant may take a value as given. Such answers are marked for a person to verify.

ALTER TABLE form_submission ADD COLUMN unverified text[] NOT NULL DEFAULT '{}';

COMMENT ON COLUMN form_submission.unverified IS 'Keys of answers taken as the contact gave them, without their yes or without passing their check (an address with no house number): verify them before relying on them.';
