//! OpenAI-compatible chat completions (`POST {base}/chat/completions`) through `async-openai`.

use std::time::Duration;

use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use async_openai::types::chat::{
    ChatCompletionRequestAssistantMessage, ChatCompletionRequestMessage, ChatCompletionRequestSystemMessage,
    ChatCompletionRequestUserMessage, CreateChatCompletionRequest,
};
use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};

use crate::{ChatError, ChatModel, ChatRequest, MAX_REPLY_TOKENS, Speaker};

/// Where and how to reach the model.
#[derive(Debug, Clone)]
pub struct OpenAiSettings {
    pub api_key: SecretString,
    /// Including `/v1`, such as `https://api.openai.com/v1`.
    pub base_url: String,
    /// The model assistants use unless they name their own.
    pub model: String,
    /// The longest wait for one HTTP answer. The client retries rate limits and server errors a few times
    /// on its own, so callers bound the whole call too.
    pub timeout: Duration,
}

#[derive(Debug, Clone)]
pub struct OpenAiChat {
    client: async_openai::Client<OpenAIConfig>,
    default_model: String,
}

impl OpenAiChat {
    pub fn new(settings: OpenAiSettings) -> Self {
        let config = OpenAIConfig::new()
            .with_api_key(settings.api_key.expose_secret())
            .with_api_base(settings.base_url.trim_end_matches('/'));
        let http = reqwest::Client::builder()
            .user_agent(concat!("smsagent/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(5))
            .timeout(settings.timeout)
            .build()
            .unwrap_or_else(|e| panic!("cannot build the HTTP client: {e}"));
        // async-openai retries 429s (honouring Retry-After) and 5xx a few times itself.
        OpenAiChat { client: async_openai::Client::build(http, config), default_model: settings.model }
    }

    fn completion_request(&self, request: &ChatRequest) -> CreateChatCompletionRequest {
        let system = ChatCompletionRequestSystemMessage::from(request.system_prompt.as_str()).into();
        let history = request.history.iter().map(|turn| -> ChatCompletionRequestMessage {
            match turn.speaker {
                Speaker::Contact => ChatCompletionRequestUserMessage::from(turn.text.as_str()).into(),
                Speaker::Business => ChatCompletionRequestAssistantMessage::from(turn.text.as_str()).into(),
            }
        });
        CreateChatCompletionRequest {
            model: request.model.clone().unwrap_or_else(|| self.default_model.clone()),
            messages: std::iter::once(system).chain(history).collect(),
            max_completion_tokens: Some(request.max_tokens.min(MAX_REPLY_TOKENS)),
            temperature: request.temperature,
            ..Default::default()
        }
    }
}

#[async_trait]
impl ChatModel for OpenAiChat {
    async fn reply(&self, request: &ChatRequest) -> Result<String, ChatError> {
        let response = self.client.chat().create(self.completion_request(request)).await.map_err(classify)?;
        let choice = response.choices.into_iter().next().ok_or_else(|| ChatError::Failed("no choices".into()))?;
        choice
            .message
            .content
            .map(|text| text.trim().to_owned())
            .filter(|text| !text.is_empty())
            .ok_or_else(|| ChatError::Failed(format!("empty reply (finish reason {:?})", choice.finish_reason)))
    }
}

/// Sorts the client's errors into worth-retrying and not.
fn classify(error: OpenAIError) -> ChatError {
    match error {
        OpenAIError::Reqwest(e) => ChatError::Transient(format!("no answer: {e}")),
        OpenAIError::ApiError(e) => {
            let status = e.status_code.as_u16();
            let out_of_quota = e.api_error.r#type.as_deref() == Some("insufficient_quota")
                || e.api_error.code.as_deref() == Some("insufficient_quota");
            let message = format!("HTTP {status}: {}", e.api_error.message);
            match status {
                429 if out_of_quota => ChatError::Failed(message),
                408 | 409 | 429 | 500..=599 => ChatError::Transient(message),
                _ => ChatError::Failed(message),
            }
        }
        other => ChatError::Failed(other.to_string()),
    }
}
