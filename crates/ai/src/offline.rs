use async_trait::async_trait;

use crate::{Answer, Arguments, ChatError, ChatModel, ChatRequest, ExtractionRequest};

/// What the offline assistant says: the truth, and what happens next.
pub const OFFLINE_REPLY: &str = "Thanks for your message. Our automated assistant can't answer right now; a member of our team will get back to you.";

/// The assistant used when no chat model is configured or the configured one keeps failing.
#[derive(Debug, Clone, Default)]
pub struct OfflineModel;

#[async_trait]
impl ChatModel for OfflineModel {
    async fn reply(&self, _request: &ChatRequest) -> Result<Answer<String>, ChatError> {
        Ok(Answer::free(OFFLINE_REPLY.to_owned()))
    }

    async fn extract(&self, _request: &ExtractionRequest) -> Result<Answer<Arguments>, ChatError> {
        Err(ChatError::Failed("no model is configured".into()))
    }

    fn is_offline(&self) -> bool {
        true
    }
}
