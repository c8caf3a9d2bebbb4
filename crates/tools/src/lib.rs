//! What an assistant can use besides its words. Today the tenant's knowledge base (`knowledge`): documents
//! as text, split into passages, and answers that say only what the passages say.

pub mod knowledge;
