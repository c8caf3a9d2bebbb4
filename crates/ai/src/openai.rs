//! OpenAI-compatible chat completions through `async-openai`: OpenAI's `POST {base}/chat/completions` with
//! a bearer key, or Azure OpenAI's `POST {endpoint}/openai/deployments/{deployment}/chat/completions
//! ?api-version=…` with the `api-key` header (its errors carry a string `code`, which the client reads).

use std::sync::Arc;
use std::time::Duration;

use async_openai::config::{AzureConfig, Config, OpenAIConfig};
use async_openai::error::OpenAIError;
use async_openai::types::chat::{
    ChatChoice, ChatCompletionMessageToolCalls, ChatCompletionNamedToolChoice, ChatCompletionRequestAssistantMessage,
    ChatCompletionRequestMessage, ChatCompletionRequestSystemMessage, ChatCompletionRequestUserMessage,
    ChatCompletionTool, ChatCompletionToolChoiceOption, ChatCompletionTools, CompletionUsage,
    CreateChatCompletionRequest, FinishReason, FunctionName, FunctionObject,
};
use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};

use crate::{
    Answer, Arguments, ChatError, ChatModel, ChatRequest, ChatTurn, ExtractionRequest, MAX_REPLY_TOKENS, Speaker, Usage,
};

/// Which service answers.
#[derive(Debug, Clone)]
pub enum Service {
    /// OpenAI or a compatible API; the base URL includes `/v1`, such as `https://api.openai.com/v1`.
    OpenAi { base_url: String },
    /// Azure OpenAI: the resource's endpoint, the deployment (which names the model), the API version.
    Azure { endpoint: String, deployment: String, api_version: String },
}

/// Where and how to reach the model.
#[derive(Debug, Clone)]
pub struct OpenAiSettings {
    pub api_key: SecretString,
    pub service: Service,
    /// The model assistants use unless they name their own (Azure: the deployment decides).
    pub model: String,
    /// The longest wait for one HTTP answer. The client retries rate limits and server errors a few times
    /// on its own, so callers bound the whole call too.
    pub timeout: Duration,
}

#[derive(Clone)]
pub struct OpenAiChat {
    client: async_openai::Client<Arc<dyn Config>>,
    default_model: String,
}

impl std::fmt::Debug for OpenAiChat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenAiChat").field("default_model", &self.default_model).finish_non_exhaustive()
    }
}

impl OpenAiChat {
    pub fn new(settings: OpenAiSettings) -> Self {
        let key = settings.api_key.expose_secret();
        let config: Arc<dyn Config> = match &settings.service {
            Service::OpenAi { base_url } => {
                Arc::new(OpenAIConfig::new().with_api_key(key).with_api_base(base_url.trim_end_matches('/')))
            }
            Service::Azure { endpoint, deployment, api_version } => Arc::new(
                AzureConfig::new()
                    .with_api_key(key)
                    .with_api_base(endpoint.trim_end_matches('/'))
                    .with_deployment_id(deployment)
                    .with_api_version(api_version),
            ),
        };
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
            max_completion_tokens: Some(MAX_REPLY_TOKENS),
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
    async fn reply(&self, request: &ChatRequest) -> Result<Answer<String>, ChatError> {
        let response = self.client.chat().create(self.completion_request(request)).await.map_err(classify)?;
        let usage = response.usage.as_ref().map(usage);
        let choice = whole(response.choices)?;
        let text = choice
            .message
            .content
            .map(|text| text.trim().to_owned())
            .filter(|text| !text.is_empty())
            .ok_or_else(|| ChatError::Failed(format!("empty reply (finish reason {:?})", choice.finish_reason)))?;
        Ok(Answer { output: text, usage })
    }

    async fn extract(&self, request: &ExtractionRequest) -> Result<Answer<Arguments>, ChatError> {
        let response = self.client.chat().create(self.extraction_request(request)).await.map_err(classify)?;
        let usage = response.usage.as_ref().map(usage);
        let choice = whole(response.choices)?;
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
            Ok(serde_json::Value::Object(arguments)) => Ok(Answer { output: arguments, usage }),
            _ => Err(ChatError::Failed("the model's arguments are not a JSON object".into())),
        }
    }
}

/// The first choice, if the model finished it: one cut off at the token cap is half a sentence, or JSON
/// with no end, and is never used.
fn whole(choices: Vec<ChatChoice>) -> Result<ChatChoice, ChatError> {
    let choice = choices.into_iter().next().ok_or_else(|| ChatError::Failed("no choices".into()))?;
    if choice.finish_reason == Some(FinishReason::Length) {
        return Err(ChatError::Failed(format!("cut off at the cap of {MAX_REPLY_TOKENS} tokens")));
    }
    Ok(choice)
}

fn usage(usage: &CompletionUsage) -> Usage {
    Usage { prompt_tokens: usage.prompt_tokens, completion_tokens: usage.completion_tokens }
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
