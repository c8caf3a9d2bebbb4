//! Tokens as OpenAI counts them for gpt-4o and gpt-4o-mini (the o200k_base encoding), for a chat request and
//! its answer, so the cost of a conversation can be compared however it is sent.

use serde_json::Value;
use tiktoken_rs::{CoreBPE, o200k_base_singleton};

/// What OpenAI adds for each message of a request, and once to prime the answer (its cookbook's counting).
const PER_MESSAGE: usize = 3;
const PRIMING: usize = 3;

fn encoding() -> &'static CoreBPE {
    o200k_base_singleton()
}

/// Tokens of a text.
pub fn of_text(text: &str) -> usize {
    encoding().encode_with_special_tokens(text).len()
}

/// Prompt tokens of a chat request of these message texts, with its tools' definitions (JSON) if any.
pub fn of_prompt<'a>(messages: impl IntoIterator<Item = &'a str>, tools: Option<&Value>) -> usize {
    let messages: usize = messages.into_iter().map(|m| PER_MESSAGE + 1 + of_text(m)).sum();
    let tools = tools.map_or(0, |tools| of_text(&tools.to_string()));
    messages + tools + PRIMING
}

/// Prompt tokens of a chat completions request body as the API receives it.
pub fn of_request(body: &Value) -> usize {
    let contents = body["messages"].as_array().into_iter().flatten().filter_map(|m| m["content"].as_str());
    let tools = body.get("tools").filter(|t| t.is_array());
    of_prompt(contents, tools)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_requests_are_counted_like_the_api() {
        assert_eq!(of_text("Hello world"), 2);
        let body = serde_json::json!({"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]});
        assert_eq!(of_request(&body), of_prompt(["Be brief.", "Hi"], None));
        assert!(of_prompt(["Hi"], Some(&serde_json::json!([{"type": "function"}]))) > of_prompt(["Hi"], None));
    }
}
