//! The knowledge base: a document's text (`extract`), its passages (`passages`), and answers from the
//! passages a search found (`answer`). Storing and searching are the store's (`smsagent_store::knowledge`),
//! in Postgres's full-text search.

pub mod answer;
pub mod extract;
pub mod passages;
