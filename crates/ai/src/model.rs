use async_trait::async_trait;

/// No completion is ever longer than this many tokens, a reply (about 400 characters, three SMS segments)
/// or a tool call's arguments alike. A completion cut off at the cap is a failed one: never texted, never
/// read.
pub const MAX_REPLY_TOKENS: u32 = 100;

/// Who said a line of the conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Speaker {
    /// The contact texting in.
    Contact,
    /// The business: the assistant or an operator.
    Business,
}

/// One message of the conversation, as the model sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatTurn {
    pub speaker: Speaker,
    pub text: String,
}

/// What to reply to.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatRequest {
    pub system_prompt: String,
    /// Oldest first; the last turn is the text being answered.
    pub history: Vec<ChatTurn>,
    /// Capped at [`MAX_REPLY_TOKENS`] whatever is asked.
    pub max_tokens: u32,
    /// The model to use instead of the configured default.
    pub model: Option<String>,
    pub temperature: Option<f32>,
}

/// Why a model gave no reply.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChatError {
    /// Rate limits, timeouts, server errors: asking again later may work.
    #[error("the model is unavailable for now: {0}")]
    Transient(String),
    /// Refused credentials, an unknown model, an empty answer: asking again will not help.
    #[error("the model failed: {0}")]
    Failed(String),
}

/// A function the model is made to call, to read structured values out of text.
#[derive(Debug, Clone, PartialEq)]
pub struct Tool {
    pub name: String,
    pub description: String,
    /// The arguments' JSON schema.
    pub parameters: serde_json::Value,
}

/// What to read values out of.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtractionRequest {
    pub system_prompt: String,
    /// Oldest first; the last turn is the text to read.
    pub history: Vec<ChatTurn>,
    pub tool: Tool,
    pub model: Option<String>,
}

/// What a model call gave, and the tokens it was billed for.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer<T> {
    pub output: T,
    /// As the API reported it; `None` when nothing was billed (the offline model) or not reported.
    pub usage: Option<Usage>,
}

impl<T> Answer<T> {
    /// An answer that cost nothing.
    pub fn free(output: T) -> Self {
        Answer { output, usage: None }
    }
}

/// Tokens billed for one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Usage {
    pub prompt_tokens: u32,
    pub completion_tokens: u32,
}

/// The arguments a model gave a tool: a JSON object.
pub type Arguments = serde_json::Map<String, serde_json::Value>;

/// Something that words replies and reads values out of texts.
#[async_trait]
pub trait ChatModel: Send + Sync + std::fmt::Debug {
    async fn reply(&self, request: &ChatRequest) -> Result<Answer<String>, ChatError>;

    /// Makes the model call `request.tool` and returns the arguments it gave: a JSON object the caller
    /// must check like any other input.
    async fn extract(&self, request: &ExtractionRequest) -> Result<Answer<Arguments>, ChatError>;

    /// Whether this is the offline stand-in rather than a model: callers then use their rules directly.
    fn is_offline(&self) -> bool {
        false
    }
}
