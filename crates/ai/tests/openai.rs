//! The OpenAI chat model against a mock chat-completions API that answers as the real one does
//! (docs/openai.md).

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::time::Duration;

use secrecy::SecretString;
use serde_json::{Value, json};
use smsagent_ai::{
    ChatError, ChatModel, ChatRequest, ChatTurn, ExtractionRequest, OpenAiChat, OpenAiSettings, Service, Speaker, Tool,
    Usage,
};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn model(server: &MockServer) -> OpenAiChat {
    OpenAiChat::new(OpenAiSettings {
        api_key: SecretString::from("sk-test"),
        service: Service::OpenAi { base_url: format!("{}/v1", server.uri()) },
        model: "gpt-4o-mini".into(),
        timeout: Duration::from_secs(10),
    })
}

fn completion(content: &str) -> Value {
    json!({
        "id": "chatcmpl-abc123", "object": "chat.completion", "created": 1700000000, "model": "gpt-4o-mini-2024-07-18",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content, "refusal": null},
                     "logprobs": null, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 82, "completion_tokens": 17, "total_tokens": 99}
    })
}

fn request(max_tokens: u32) -> ChatRequest {
    ChatRequest {
        system_prompt: "You are a leasing assistant.".into(),
        history: vec![
            ChatTurn { speaker: Speaker::Contact, text: "Hi".into() },
            ChatTurn { speaker: Speaker::Business, text: "Hello! How can I help?".into() },
            ChatTurn { speaker: Speaker::Contact, text: "Is the flat still free?".into() },
        ],
        max_tokens,
        model: None,
        temperature: None,
    }
}

#[tokio::test]
async fn the_request_carries_the_prompt_the_history_in_order_and_the_cap() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(header("authorization", "Bearer sk-test"))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion("  Yes, it is!  ")))
        .expect(1)
        .mount(&server)
        .await;

    // Asking for more than the cap still sends the cap.
    let reply = model(&server).reply(&request(500)).await.unwrap();
    assert_eq!(reply.output, "Yes, it is!");
    assert_eq!(reply.usage, Some(Usage { prompt_tokens: 82, completion_tokens: 17 }), "the billed tokens are read");

    let sent: Value = server.received_requests().await.unwrap()[0].body_json().unwrap();
    assert_eq!(sent["model"], "gpt-4o-mini");
    assert_eq!(sent["max_completion_tokens"], 100);
    assert_eq!(
        sent["messages"],
        json!([
            {"role": "system", "content": "You are a leasing assistant."},
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "Hello! How can I help?"},
            {"role": "user", "content": "Is the flat still free?"}
        ])
    );
}

#[tokio::test]
async fn a_rate_limit_that_persists_is_transient() {
    let server = MockServer::start().await;
    let body = json!({"error": {"message": "Rate limit reached. Please try again in 1s.", "type": "requests", "param": null, "code": "rate_limit_exceeded"}});
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "0").set_body_json(body))
        .mount(&server)
        .await;
    let err = model(&server).reply(&request(100)).await.unwrap_err();
    assert!(matches!(err, ChatError::Transient(ref m) if m.contains("429")), "{err:?}");
}

#[tokio::test]
async fn an_exhausted_quota_is_not_worth_retrying() {
    let server = MockServer::start().await;
    let body = json!({"error": {"message": "You exceeded your current quota", "type": "insufficient_quota", "param": null, "code": "insufficient_quota"}});
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).set_body_json(body))
        .expect(1)
        .mount(&server)
        .await;
    let err = model(&server).reply(&request(100)).await.unwrap_err();
    assert!(matches!(err, ChatError::Failed(_)), "{err:?}");
}

#[tokio::test]
async fn refused_credentials_and_empty_answers_fail() {
    let server = MockServer::start().await;
    let body = json!({"error": {"message": "Incorrect API key provided", "type": "invalid_request_error", "param": null, "code": "invalid_api_key"}});
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(401).set_body_json(body))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion("")))
        .mount(&server)
        .await;

    assert!(matches!(model(&server).reply(&request(100)).await, Err(ChatError::Failed(ref m)) if m.contains("401")));
    assert!(matches!(model(&server).reply(&request(100)).await, Err(ChatError::Failed(ref m)) if m.contains("empty")));
}

fn tool_call(arguments: &str) -> Value {
    json!({
        "id": "chatcmpl-abc124", "object": "chat.completion", "created": 1700000000, "model": "gpt-4o-mini-2024-07-18",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": null, "refusal": null,
            "tool_calls": [{"id": "call_abc123", "type": "function", "function": {"name": "record_answers", "arguments": arguments}}]},
            "logprobs": null, "finish_reason": "tool_calls"}],
        "usage": {"prompt_tokens": 82, "completion_tokens": 17, "total_tokens": 99}
    })
}

fn extraction() -> ExtractionRequest {
    ExtractionRequest {
        system_prompt: "Read the form answers.".into(),
        history: vec![ChatTurn { speaker: Speaker::Contact, text: "I'm Maria Garcia".into() }],
        tool: Tool {
            name: "record_answers".into(),
            description: "Record the answers".into(),
            parameters: json!({"type": "object", "properties": {"first_name": {"type": "string"}}}),
        },
        model: None,
    }
}

#[tokio::test]
async fn extraction_forces_the_tool_and_returns_its_arguments() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(tool_call(r#"{"first_name": "Maria", "last_name": "Garcia"}"#)),
        )
        .expect(1)
        .mount(&server)
        .await;

    let arguments = model(&server).extract(&extraction()).await.unwrap();
    assert_eq!(arguments.output["first_name"], "Maria");

    let sent: Value = server.received_requests().await.unwrap()[0].body_json().unwrap();
    assert_eq!(sent["tool_choice"], json!({"type": "function", "function": {"name": "record_answers"}}));
    assert_eq!(sent["tools"][0]["function"]["parameters"]["properties"]["first_name"]["type"], "string");
    assert_eq!(sent["max_completion_tokens"], 100, "every completion is capped, extraction included");
}

#[tokio::test]
async fn malformed_tool_arguments_are_a_failure() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(tool_call(r#"{"first_name": "Mar"#)))
        .mount(&server)
        .await;
    assert!(matches!(model(&server).extract(&extraction()).await, Err(ChatError::Failed(_))));
}

#[tokio::test]
async fn a_completion_cut_off_at_the_cap_is_a_failure() {
    let server = MockServer::start().await;
    let mut half_sentence = completion("Thanks for asking! The flat is still free and the rent is");
    half_sentence["choices"][0]["finish_reason"] = json!("length");
    let mut half_json = tool_call(r#"{"first_name": "Maria"}"#);
    half_json["choices"][0]["finish_reason"] = json!("length");
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(half_sentence))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(200).set_body_json(half_json)).mount(&server).await;

    assert!(matches!(model(&server).reply(&request(100)).await, Err(ChatError::Failed(_))), "never texted");
    assert!(matches!(model(&server).extract(&extraction()).await, Err(ChatError::Failed(_))), "never read");
}

fn azure(server: &MockServer) -> OpenAiChat {
    OpenAiChat::new(OpenAiSettings {
        api_key: SecretString::from("azure-key"),
        service: Service::Azure {
            endpoint: server.uri(),
            deployment: "sms-gpt".into(),
            api_version: "2024-10-21".into(),
        },
        model: "sms-gpt".into(),
        timeout: Duration::from_secs(10),
    })
}

#[tokio::test]
async fn azure_openai_is_asked_at_the_deployment_with_its_api_key() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/openai/deployments/sms-gpt/chat/completions"))
        .and(wiremock::matchers::query_param("api-version", "2024-10-21"))
        .and(header("api-key", "azure-key"))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion("Hola!")))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(azure(&server).reply(&request(100)).await.unwrap().output, "Hola!");
    let sent: Value = server.received_requests().await.unwrap()[0].body_json().unwrap();
    assert_eq!(sent["max_completion_tokens"], 100);
}

#[tokio::test]
async fn azure_errors_with_string_codes_are_understood() {
    let server = MockServer::start().await;
    let throttled = json!({"error": {"code": "429", "message": "Requests to the ChatCompletions_Create Operation have exceeded token rate limit. Please retry after 1 second."}});
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "0").set_body_json(throttled))
        .up_to_n_times(4)
        .mount(&server)
        .await;
    let missing = json!({"error": {"code": "DeploymentNotFound", "message": "The API deployment for this resource does not exist."}});
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(404).set_body_json(missing)).mount(&server).await;

    assert!(matches!(azure(&server).reply(&request(100)).await, Err(ChatError::Transient(_))));
    assert!(
        matches!(azure(&server).reply(&request(100)).await, Err(ChatError::Failed(ref m)) if m.contains("deployment"))
    );
}
