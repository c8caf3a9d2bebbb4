//! A document split into passages a search can return whole and a prompt can hold: Markdown by its
//! sections (each passage keeps its heading), then by paragraphs, a few hundred characters each.

/// A passage: the heading it sits under, if any, and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passage {
    pub heading: Option<String>,
    pub body: String,
}

/// About this many characters a passage: a paragraph or a few, enough to answer from, short enough that
/// three fit a prompt.
const TARGET: usize = 600;
/// A paragraph longer than this is cut at sentence ends.
const LONGEST: usize = 1_000;

/// The passages of `text`; `markdown` reads `#` lines as headings.
pub fn split(text: &str, markdown: bool) -> Vec<Passage> {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut passages = Vec::new();
    let mut heading: Option<String> = None;
    let mut current = String::new();
    let flush = |current: &mut String, heading: &Option<String>, passages: &mut Vec<Passage>| {
        let body = current.trim().to_owned();
        if !body.is_empty() {
            passages.push(Passage { heading: heading.clone(), body });
        }
        current.clear();
    };
    for paragraph in paragraphs(&text) {
        if markdown && let Some(title) = paragraph.strip_prefix('#') {
            flush(&mut current, &heading, &mut passages);
            let title = title.trim_start_matches('#').trim();
            heading = Some(title.to_owned()).filter(|t| !t.is_empty());
            continue;
        }
        for piece in cut(&paragraph) {
            if !current.is_empty() && current.chars().count() + piece.chars().count() > TARGET {
                flush(&mut current, &heading, &mut passages);
            }
            if !current.is_empty() {
                current.push('\n');
            }
            current.push_str(&piece);
        }
    }
    flush(&mut current, &heading, &mut passages);
    passages
}

/// Paragraphs: runs of lines between blank lines, with a heading line a paragraph of its own; lines
/// joined with spaces (PDFs break lines mid-sentence).
fn paragraphs(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            if !current.is_empty() {
                out.push(current.join(" "));
                current.clear();
            }
            if !line.is_empty() {
                out.push(line.to_owned());
            }
        } else {
            current.push(line);
        }
    }
    if !current.is_empty() {
        out.push(current.join(" "));
    }
    out.into_iter().map(|p| p.split_whitespace().collect::<Vec<_>>().join(" ")).filter(|p| !p.is_empty()).collect()
}

/// A paragraph in pieces of at most [`LONGEST`] characters, cut after a sentence's end where it can be.
fn cut(paragraph: &str) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut current = String::new();
    for sentence in sentences(paragraph) {
        if !current.is_empty() && current.chars().count() + sentence.chars().count() + 1 > LONGEST {
            pieces.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(sentence);
        // A sentence longer than the limit on its own is cut where it reaches it.
        while current.chars().count() > LONGEST {
            let at = current.char_indices().nth(LONGEST).map_or(current.len(), |(i, _)| i);
            let rest = current.split_off(at);
            pieces.push(std::mem::replace(&mut current, rest));
        }
    }
    if !current.is_empty() {
        pieces.push(current);
    }
    pieces
}

/// The sentences of a text: cut after `.`, `!` or `?` followed by a space.
pub fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    for (i, c) in text.char_indices() {
        if matches!(c, '.' | '!' | '?') && bytes.get(i + 1) == Some(&b' ') {
            out.push(text[start..=i].trim());
            start = i + 1;
        }
    }
    let rest = text[start..].trim();
    if !rest.is_empty() {
        out.push(rest);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_sections_keep_their_headings_and_paragraphs_stay_whole() {
        let doc = "# Opening hours\n\nWe are open Monday to Friday,\n9 am to 5 pm.\n\n## Parking\nFree parking behind \
                   the building.\n\nAsk at the desk for a permit.";
        let passages = split(doc, true);
        assert_eq!(
            passages,
            [
                Passage {
                    heading: Some("Opening hours".into()),
                    body: "We are open Monday to Friday, 9 am to 5 pm.".into()
                },
                Passage {
                    heading: Some("Parking".into()),
                    body: "Free parking behind the building.\nAsk at the desk for a permit.".into()
                },
            ]
        );
        assert_eq!(split("# Title\n\nSome text.", false)[0].heading, None, "plain text has no headings");
    }

    #[test]
    fn long_text_is_cut_into_passages_at_sentence_ends() {
        let sentence = "Our clinic offers cleanings, fillings and whitening at fair prices. ";
        let doc = sentence.repeat(40);
        let passages = split(&doc, false);
        assert!(passages.len() > 2, "{}", passages.len());
        for passage in &passages {
            assert!(passage.body.chars().count() <= LONGEST, "{}", passage.body.len());
            assert!(passage.body.ends_with('.'), "cut at a sentence's end: {:?}", passage.body);
        }
        let cut_word = "x".repeat(2_500);
        assert!(split(&cut_word, false).iter().all(|p| p.body.chars().count() <= LONGEST));
    }
}
