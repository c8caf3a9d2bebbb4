//! OpenAI-compatible chat completions (`POST {base}/chat/completions`) through `async-openai`.

use std::time::Duration;

use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use async_openai::types::chat::{
    ChatCompletionMessageToolCalls, ChatCompletionNamedToolChoice, ChatCompletionRequestAssistantMessage,
    ChatCompletionRequestMessage, ChatCompletionRequestSystemMessage, ChatCompletionRequestUserMessage,
    ChatCompletionTool, ChatCompletionToolChoiceOption, ChatCompletionTools, CreateChatCompletionRequest, FunctionName,
    FunctionObject,
};
use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};

use crate::{
    ChatError, ChatModel, ChatRequest, ChatTurn, ExtractionRequest, MAX_REPLY_TOKENS, MAX_TOOL_CALL_TOKENS, Speaker,
};

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
        CreateChatCompletionRequest {
            model: request.model.clone().unwrap_or_else(|| self.default_model.clone()),
            messages: messages(&request.system_prompt, &request.history),
            max_completion_tokens: Some(request.max_tokens.min(MAX_REPLY_TOKENS)),
            temperature: request.temperature,
            ..Default::default()
        }
    }

    fn extraction_request(&self, request: &ExtractionRequest) -> CreateChatCompletionRequest {
        let function = FunctionObject {
            name: request.tool.name.clone(),
            description: Some(request.tool.description.clone()),
            parameters: Some(request.tool.parameters.clone()),
            strict: None,
        };
        CreateChatCompletionRequest {
            model: request.model.clone().unwrap_or_else(|| self.default_model.clone()),
            messages: messages(&request.system_prompt, &request.history),
            max_completion_tokens: Some(MAX_TOOL_CALL_TOKENS),
            tools: Some(vec![ChatCompletionTools::Function(ChatCompletionTool { function })]),
            tool_choice: Some(ChatCompletionToolChoiceOption::Function(ChatCompletionNamedToolChoice {
                function: FunctionName { name: request.tool.name.clone() },
            })),
            ..Default::default()
        }
    }
}

fn messages(system_prompt: &str, history: &[ChatTurn]) -> Vec<ChatCompletionRequestMessage> {
    let system = ChatCompletionRequestSystemMessage::from(system_prompt).into();
    let turns = history.iter().map(|turn| -> ChatCompletionRequestMessage {
        match turn.speaker {
            Speaker::Contact => ChatCompletionRequestUserMessage::from(turn.text.as_str()).into(),
            Speaker::Business => ChatCompletionRequestAssistantMessage::from(turn.text.as_str()).into(),
        }
    });
    std::iter::once(system).chain(turns).collect()
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

    async fn extract(
        &self,
        request: &ExtractionRequest,
    ) -> Result<serde_json::Map<String, serde_json::Value>, ChatError> {
        let response = self.client.chat().create(self.extraction_request(request)).await.map_err(classify)?;
        let choice = response.choices.into_iter().next().ok_or_else(|| ChatError::Failed("no choices".into()))?;
        let call = choice
            .message
            .tool_calls
            .unwrap_or_default()
            .into_iter()
            .find_map(|call| match call {
                ChatCompletionMessageToolCalls::Function(call) if call.function.name == request.tool.name => Some(call),
                _ => None,
            })
            .ok_or_else(|| ChatError::Failed(format!("the model did not call {}", request.tool.name)))?;
        // "The model does not always generate valid JSON": a malformed answer is a failed one.
        match serde_json::from_str(&call.function.arguments) {
            Ok(serde_json::Value::Object(arguments)) => Ok(arguments),
            _ => Err(ChatError::Failed("the model's arguments are not a JSON object".into())),
        }
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
        // Its text would carry the whole response body: replies, names, addresses. Keep only the reason.
        OpenAIError::JSONDeserialize(e, _) => ChatError::Failed(format!("unreadable response: {e}")),
        other => ChatError::Failed(other.to_string()),
    }
}
