//! `/api/docs`: the OpenAPI document as a page for people, rendered here from the document itself (no
//! script, nothing fetched from elsewhere). Each operation has its sentence, its parameters, an example
//! request and its answers; each schema a table of its fields with their types, constraints and examples.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde_json::{Map, Value};

const STYLE: &str = "body{font:16px/1.5 system-ui,sans-serif;max-width:62rem;margin:2rem auto;padding:0 1rem;\
color:#1a1a1a}h2{border-bottom:1px solid #ccc;margin-top:2.5rem}section{margin:1.5rem 0}\
code{background:#f3f3f3;padding:0 .25rem}pre{background:#f3f3f3;padding:.5rem;overflow-x:auto}\
.method{display:inline-block;min-width:4.5rem;font-weight:700;font-family:monospace}\
table{border-collapse:collapse;display:block;overflow-x:auto}td,th{border:1px solid #ddd;padding:.25rem .5rem;\
text-align:left;vertical-align:top}a{color:#0645ad}";

pub fn render(doc: &Value) -> String {
    let mut html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>smsagent API</title>\
         <style>{STYLE}</style></head><body><main><h1>{}</h1><p>{}</p>",
        escape(text(&doc["info"]["title"])),
        inline(text(&doc["info"]["description"])),
    );
    let _ = write!(
        html,
        "<p>Machine-readable: <a href=\"/api/openapi.json\">/api/openapi.json</a> (OpenAPI {}). The examples \
         set <code>BASE</code> to this service's address and <code>KEY</code> to an API key.</p>",
        escape(text(&doc["openapi"]))
    );
    let mut by_tag: BTreeMap<&str, Vec<(String, &str, &Value)>> = BTreeMap::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, operation) in item.as_object().into_iter().flatten() {
            let tag = operation["tags"][0].as_str().unwrap_or("other");
            by_tag.entry(tag).or_default().push((method.to_uppercase(), path, operation));
        }
    }
    html.push_str("<nav aria-label=\"Contents\"><ul>");
    for tag in by_tag.keys() {
        let _ = write!(html, "<li><a href=\"#tag-{}\">{}</a></li>", anchor(tag), escape(tag));
    }
    html.push_str("<li><a href=\"#schemas\">Schemas</a></li></ul></nav>");
    for (tag, operations) in &by_tag {
        let _ = write!(html, "<h2 id=\"tag-{}\">{}</h2>", anchor(tag), escape(tag));
        for (method, path, operation) in operations {
            operation_section(&mut html, doc, method, path, operation);
        }
    }
    html.push_str("<h2 id=\"schemas\">Schemas</h2>");
    for (name, schema) in doc["components"]["schemas"].as_object().into_iter().flatten() {
        schema_section(&mut html, name, schema);
    }
    html.push_str("</main></body></html>");
    html
}

fn operation_section(html: &mut String, doc: &Value, method: &str, path: &str, operation: &Value) {
    let _ = write!(html, "<section><h3><span class=\"method\">{method}</span> <code>{}</code></h3>", escape(path));
    for part in [&operation["summary"], &operation["description"]] {
        if !text(part).is_empty() {
            let _ = write!(html, "<p>{}</p>", inline(text(part)));
        }
    }
    if let Some(parameters) = operation["parameters"].as_array().filter(|p| !p.is_empty()) {
        html.push_str("<table><tr><th>Parameter</th><th>In</th><th>Type</th><th>Required</th><th>About</th></tr>");
        for p in parameters {
            let _ = write!(
                html,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(text(&p["name"])),
                escape(text(&p["in"])),
                type_of(&p["schema"]),
                if p["required"].as_bool() == Some(true) { "yes" } else { "no" },
                inline(text(&p["description"])),
            );
        }
        html.push_str("</table>");
    }
    let body = &operation["requestBody"]["content"]["application/json"]["schema"];
    if body.is_object() {
        let _ =
            write!(html, "<p>Body: {}. {}</p>", type_of(body), inline(text(&operation["requestBody"]["description"])));
    }
    let _ = write!(
        html,
        "<p>Example:</p><pre><code>{}</code></pre>",
        escape(&example_request(doc, method, path, operation))
    );
    html.push_str("<p>Answers:</p><ul>");
    for (status, response) in operation["responses"].as_object().into_iter().flatten() {
        let schema = &response["content"]["application/json"]["schema"];
        let shape = if schema.is_object() { format!(" {}", type_of(schema)) } else { String::new() };
        let about = text(&response["description"]);
        let about = if about.is_empty() { String::new() } else { format!(": {}", inline(about)) };
        let _ = write!(html, "<li><code>{}</code>{shape}{about}</li>", escape(status));
    }
    html.push_str("</ul></section>");
}

fn schema_section(html: &mut String, name: &str, schema: &Value) {
    let _ = write!(html, "<section id=\"schema-{}\"><h3>{}</h3>", anchor(name), escape(name));
    if !text(&schema["description"]).is_empty() {
        let _ = write!(html, "<p>{}</p>", inline(text(&schema["description"])));
    }
    match schema["properties"].as_object() {
        Some(properties) => {
            let required: Vec<&str> =
                schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
            html.push_str("<table><tr><th>Field</th><th>Type</th><th>Required</th><th>About</th></tr>");
            for (field, property) in properties {
                let _ = write!(
                    html,
                    "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}{}</td></tr>",
                    escape(field),
                    type_of(property),
                    if required.contains(&field.as_str()) { "yes" } else { "no" },
                    inline(text(&property["description"])),
                    constraints(property),
                );
            }
            html.push_str("</table>");
        }
        None => {
            let _ = write!(html, "<p>{}{}</p>", type_of(schema), constraints(schema));
        }
    }
    if let Some(example) = schema.get("example") {
        let pretty = serde_json::to_string_pretty(example).unwrap_or_default();
        let _ = write!(html, "<p>Example:</p><pre><code>{}</code></pre>", escape(&pretty));
    }
    html.push_str("</section>");
}

/// A schema's type as a reader wants it: a link for a named schema, `array of …`, alternatives joined.
fn type_of(schema: &Value) -> String {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.rsplit('/').next().unwrap_or(reference);
        return format!("<a href=\"#schema-{}\">{}</a>", anchor(name), escape(name));
    }
    for combinator in ["oneOf", "anyOf", "allOf"] {
        if let Some(options) = schema[combinator].as_array() {
            let joiner = if combinator == "allOf" { " and " } else { " or " };
            return options.iter().map(type_of).collect::<Vec<_>>().join(joiner);
        }
    }
    if let Some(values) = schema["enum"].as_array() {
        let values: Vec<String> = values.iter().map(|v| format!("<code>{}</code>", escape(&v.to_string()))).collect();
        return format!("one of {}", values.join(", "));
    }
    // An inline object (a variant of a tagged enum): its fields, with the tag's value.
    if let Some(properties) = schema["properties"].as_object() {
        let fields: Vec<String> = properties
            .iter()
            .map(|(field, property)| match property["enum"].as_array().map(Vec::as_slice) {
                Some([only]) => format!("{}: {}", escape(field), escape(&only.to_string())),
                _ => escape(field),
            })
            .collect();
        return format!("<code>{{{}}}</code>", fields.join(", "));
    }
    let types: Vec<String> = match &schema["type"] {
        Value::String(t) => vec![t.clone()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
        _ => return "JSON".to_owned(),
    };
    types
        .iter()
        .map(|t| match t.as_str() {
            "array" => format!("array of {}", type_of(&schema["items"])),
            "string" if schema["format"].is_string() => format!("string ({})", escape(text(&schema["format"]))),
            other => escape(other),
        })
        .collect::<Vec<_>>()
        .join(" or ")
}

/// Bounds, patterns, defaults and examples, as a sentence after a field's description.
fn constraints(schema: &Value) -> String {
    let mut said = Vec::new();
    let number = |key: &str| schema[key].as_f64().map(|n| n.to_string());
    match (number("minimum"), number("maximum")) {
        (Some(low), Some(high)) => said.push(format!("{low} to {high}")),
        (Some(low), None) => said.push(format!("at least {low}")),
        (None, Some(high)) => said.push(format!("at most {high}")),
        (None, None) => {}
    }
    match (number("minLength"), number("maxLength")) {
        (Some(low), Some(high)) => said.push(format!("{low} to {high} characters")),
        (Some(low), None) => said.push(format!("at least {low} characters")),
        (None, Some(high)) => said.push(format!("at most {high} characters")),
        (None, None) => {}
    }
    if let (Some(low), Some(high)) = (number("minItems"), number("maxItems")) {
        said.push(format!("{low} to {high} items"));
    }
    if let Some(pattern) = schema["pattern"].as_str() {
        said.push(format!("matching <code>{}</code>", escape(pattern)));
    }
    if let Some(default) = schema.get("default") {
        said.push(format!("default <code>{}</code>", escape(&default.to_string())));
    }
    if let Some(example) = schema.get("example") {
        said.push(format!("for example <code>{}</code>", escape(&example.to_string())));
    }
    if schema["writeOnly"] == Value::Bool(true) {
        said.push("write-only: never shown again".to_owned());
    }
    if said.is_empty() { String::new() } else { format!(" <em>{}.</em>", said.join("; ")) }
}

/// A curl command for the operation, with a body built from its schema's examples and required fields.
fn example_request(doc: &Value, method: &str, path: &str, operation: &Value) -> String {
    let mut command = format!("curl -X {method} \"$BASE{path}\"");
    if operation.get("security").is_some() {
        command.push_str(" \\\n  -H \"Authorization: Bearer $KEY\"");
    }
    let schema = &operation["requestBody"]["content"]["application/json"]["schema"];
    if schema.is_object() {
        let body = example_of(doc, schema, 0);
        command.push_str(" \\\n  -H 'Content-Type: application/json'");
        let _ = write!(command, " \\\n  -d '{body}'");
    }
    command
}

/// A value a schema accepts: its example, else one made from its required fields.
fn example_of(doc: &Value, schema: &Value, depth: usize) -> Value {
    if let Some(example) = schema.get("example") {
        return example.clone();
    }
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.rsplit('/').next().unwrap_or(reference);
        return example_of(doc, &doc["components"]["schemas"][name], depth + 1);
    }
    if depth > 4 {
        return Value::Null;
    }
    if let Some(first) = schema["oneOf"].as_array().and_then(|o| o.first()) {
        return example_of(doc, first, depth + 1);
    }
    let kind = match &schema["type"] {
        Value::String(t) => t.as_str(),
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).find(|t| *t != "null").unwrap_or("null"),
        _ => "object",
    };
    match kind {
        "object" => {
            let required: Vec<&str> =
                schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
            let mut object = Map::new();
            for (field, property) in schema["properties"].as_object().into_iter().flatten() {
                if required.contains(&field.as_str()) || property.get("example").is_some() {
                    object.insert(field.clone(), example_of(doc, property, depth + 1));
                }
            }
            Value::Object(object)
        }
        "array" => Value::Array(vec![example_of(doc, &schema["items"], depth + 1)]),
        "integer" | "number" => schema.get("minimum").cloned().unwrap_or(Value::from(1)),
        "boolean" => Value::Bool(true),
        "string" => Value::String(schema["format"].as_str().map_or("…".to_owned(), |f| format!("<{f}>"))),
        _ => Value::Null,
    }
}

fn text(value: &Value) -> &str {
    value.as_str().unwrap_or_default()
}

/// Escaped text with `backticks` as code.
fn inline(text: &str) -> String {
    escape(text)
        .split('`')
        .enumerate()
        .map(|(i, part)| if i % 2 == 1 { format!("<code>{part}</code>") } else { part.to_owned() })
        .collect()
}

fn anchor(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn backticks_become_code_and_markup_is_escaped() {
        assert_eq!(inline("send `to` <b>"), "send <code>to</code> &lt;b&gt;");
    }

    #[test]
    fn a_tagged_variant_shows_its_fields_and_tag() {
        let variant = json!({"type": "object", "required": ["type"], "properties": {
            "type": {"type": "string", "enum": ["choice"]}, "options": {"type": "array"}}});
        assert_eq!(type_of(&variant), "<code>{options, type: &quot;choice&quot;}</code>");
    }

    #[test]
    fn an_example_body_takes_the_examples_and_the_required_fields() {
        let doc = json!({"components": {"schemas": {"Inner": {"type": "object", "required": ["n"],
            "properties": {"n": {"type": "integer", "minimum": 3}}}}}});
        let schema = json!({"type": "object", "required": ["name", "inner"], "properties": {
            "name": {"type": "string", "example": "Desk"},
            "inner": {"$ref": "#/components/schemas/Inner"},
            "optional": {"type": "string"},
            "tags": {"type": "array", "items": {"type": "string"}, "example": ["a"]}}});
        assert_eq!(example_of(&doc, &schema, 0), json!({"name": "Desk", "inner": {"n": 3}, "tags": ["a"]}));
    }
}
